"""A local stand-in for the Bot Connector service: records everything the bot sends.

It answers the REST calls botbuilder's ConnectorClient makes (send/reply, update, get member) the way
the Teams connector does, and validates every Adaptive Card it receives against the 1.5 schema.
`behaviour` makes it a bad reply target instead: "not-json" (2xx with an HTML body), "hang" (never answers
until `release()`), "5xx" (503 with Retry-After: 0, every time), "5xx-html" (a gateway's HTML 502 page),
"4xx" (403). A refusing target is a serviceUrl whose port nobody listens on (`closed_port_url()`).
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.harness.cards import card_problems
from tests.harness.people import people

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


@dataclass
class Sent:
    kind: str  # "send" | "update"
    conversation_id: str
    activity_id: str
    activity: dict[str, Any]

    @property
    def cards(self) -> list[dict]:
        return [a["content"] for a in self.activity.get("attachments") or [] if a.get("contentType") == ADAPTIVE]

    @property
    def card(self) -> dict:
        assert self.cards, f"no card in {self.activity}"
        return self.cards[0]

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""


@dataclass
class ConnectorStandIn:
    sent: list[Sent] = field(default_factory=list)
    card_problems: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer the next sends with
    refuse: dict[str, int] = field(default_factory=dict)  # conversation id -> status every send there gets (403)
    refused: int = 0
    behaviour: str = "ok"  # "ok" | "not-json" | "hang" | "5xx" | "5xx-html" | "4xx"
    misbehaved: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._misbehave])
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        return app

    def release(self) -> None:
        """Lets every held ("hang") request finish, so the server can stop."""
        self._released.set()

    @web.middleware
    async def _misbehave(self, request: web.Request, handler) -> web.StreamResponse:
        if self.behaviour == "ok":
            return await handler(request)
        self.misbehaved += 1
        if self.behaviour == "hang":
            await self._released.wait()
            return web.Response(status=504)
        if self.behaviour == "not-json":
            return web.Response(status=201, text="<html>Service Unavailable</html>", content_type="text/html")
        if self.behaviour == "5xx":
            return web.json_response({"error": {"code": "ServiceError", "message": "down"}}, status=503,
                                     headers={"Retry-After": "0"})
        if self.behaviour == "5xx-html":
            return web.Response(status=502, text="<html><h1>502 Bad Gateway</h1></html>", content_type="text/html",
                                headers={"Retry-After": "0"})
        if self.behaviour == "4xx":
            return web.json_response({"error": {"code": "Forbidden", "message": "no"}}, status=403)
        raise ValueError(f"unknown behaviour {self.behaviour!r}")

    def _check(self, activity: dict[str, Any]) -> None:
        for attachment in activity.get("attachments") or []:
            if attachment.get("contentType") == ADAPTIVE:
                self.card_problems.extend(card_problems(attachment["content"]))

    async def _send(self, request: web.Request) -> web.Response:
        if request.match_info["cid"] in self.refuse:
            self.refused += 1
            return web.json_response({"error": {"code": "BotNotInConversationRoster",
                                                "message": "The bot is not part of the conversation roster."}},
                                     status=self.refuse[request.match_info["cid"]])
        if self.fail_next:
            self.refused += 1
            return web.json_response({"error": {"code": "Throttled", "message": "slow down"}},
                                     status=self.fail_next.pop(0), headers={"Retry-After": "0"})
        activity = await request.json()
        self._check(activity)
        activity_id = f"bot-{next(self._ids)}"
        self.sent.append(Sent("send", request.match_info["cid"], activity_id, activity))
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        activity = await request.json()
        self._check(activity)
        self.sent.append(Sent("update", request.match_info["cid"], request.match_info["aid"], activity))
        return web.json_response({"id": request.match_info["aid"]})

    async def _member(self, request: web.Request) -> web.Response:
        uid = request.match_info["uid"]
        for person in people().values():
            if uid in (person.teams_id, person.aad_object_id):
                return web.json_response({
                    "id": person.teams_id, "name": person.name, "aadObjectId": person.aad_object_id,
                    "email": person.upn, "userPrincipalName": person.upn, "userRole": "user",
                })
        return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)


def closed_port_url() -> str:
    """A loopback URL nobody listens on (a port just freed), so connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def updates_of(connector: ConnectorStandIn, card_id: str) -> list[dict]:
    """The cards the bot put in place of the message ``card_id``, oldest first."""
    return [s.card for s in connector.sent if s.kind == "update" and s.activity_id == card_id and s.cards]
