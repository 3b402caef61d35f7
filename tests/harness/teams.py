"""Posts Teams-shaped activities to the real aiohttp app and reads back what the bot sent.

    replies = await teams.say("help")                         # personal chat, as Alice
    replies = await teams.say("help", who="bob", where="channel")   # @mentions the bot in the channel
    status, card = await teams.click(verb, data, card_id=replies[0].activity_id)
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from tests.harness.cards import assert_valid_card
from tests.harness.connector import ConnectorStandIn, Sent
from tests.harness.people import person, team

BOT_ID = "28:" + team()["bot"]["id"]
BOT_NAME = team()["bot"]["name"]
TENANT = team()["tenant_id"]


@dataclass
class Where:
    conversation_id: str
    conversation_type: str
    team_id: str = ""


def where(name: str, who: str) -> Where:
    teams = team()["teams"]
    if name == "personal":
        return Where(f"a:personal-{who}", "personal")
    if name == "channel":
        return Where(teams["team"]["id"], "channel", teams["team"]["id"])
    if name == "group":
        return Where(teams["group_chat"]["id"], "groupChat")
    raise ValueError(name)


class TeamsClient:
    def __init__(self, http: Any, connector: ConnectorStandIn, service_url: str) -> None:
        self.http = http
        self.connector = connector
        self.service_url = service_url
        self._ids = itertools.count(1)
        self.headers: dict[str, str] = {}

    def activity(self, type_: str, *, who: str = "alice", at: str = "personal", text: str | None = None,
                 value: Any = None, name: str | None = None, mention_bot: bool | None = None,
                 reply_to_id: str | None = None, tenant: str = TENANT, activity_id: str | None = None,
                 extra_entities: list[dict] | None = None, **more: Any) -> dict[str, Any]:
        p = person(who)
        w = where(at, who)
        activity: dict[str, Any] = {
            "type": type_,
            "id": activity_id or f"act-{next(self._ids)}-{uuid.uuid4().hex[:6]}",
            "timestamp": "2026-11-26T10:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": p.teams_id, "name": p.name, "aadObjectId": p.aad_object_id},
            "conversation": {"id": w.conversation_id, "conversationType": w.conversation_type, "tenantId": tenant},
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "channelData": {"tenant": {"id": tenant}},
            "locale": "en-US",
        }
        if w.team_id:
            activity["channelData"]["team"] = {"id": w.team_id}
            activity["channelData"]["channel"] = {"id": w.conversation_id}
        entities = list(extra_entities or [])
        if text is not None:
            mention = mention_bot if mention_bot is not None else at != "personal"
            if mention:
                text = f"<at>{BOT_NAME}</at> {text}"
                entities.append({"type": "mention", "text": f"<at>{BOT_NAME}</at>",
                                 "mentioned": {"id": BOT_ID, "name": BOT_NAME}})
            activity["text"] = text
            activity["textFormat"] = "plain"
        if entities:
            activity["entities"] = entities
        if value is not None:
            activity["value"] = value
        if name is not None:
            activity["name"] = name
        if reply_to_id:
            activity["replyToId"] = reply_to_id
        activity.update(more)
        return activity

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        response = await self.http.post("/api/messages", json=activity, headers={**self.headers, **(headers or {})})
        body: Any = None
        if response.content_type == "application/json":
            body = await response.json()
        return response.status, body

    async def send(self, activity: dict[str, Any]) -> list[Sent]:
        before = len(self.connector.sent)
        status, body = await self.post(activity)
        assert status in (200, 201), f"HTTP {status}: {body}"
        return self.connector.sent[before:]

    async def say(self, text: str, who: str = "alice", at: str = "personal", **kw: Any) -> list[Sent]:
        return await self.send(self.activity("message", who=who, at=at, text=text, **kw))

    async def ask(self, text: str, who: str = "alice", at: str = "personal", **kw: Any) -> dict:
        """Says something and returns the single card the bot answered with."""
        sent = await self.say(text, who=who, at=at, **kw)
        cards = [s for s in sent if s.cards]
        assert len(cards) == 1, f"expected one card, got {[s.activity for s in sent]}"
        return cards[0].card

    async def click(self, verb: str, data: dict | None = None, *, who: str = "alice", at: str = "personal",
                    card_id: str = "") -> tuple[int, dict | None]:
        """Sends the adaptiveCard/action invoke Teams sends for an Action.Execute; returns the card answered."""
        activity = self.activity("invoke", who=who, at=at, name="adaptiveCard/action", reply_to_id=card_id or None,
                                 value={"action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
                                        "trigger": "manual"})
        status, body = await self.post(activity)
        card = None
        if isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive":
            card = body["value"]
            assert_valid_card(card)
        return status, card

    async def click_action(self, action: dict, *, who: str = "alice", at: str = "personal",
                           card_id: str = "") -> tuple[int, dict | None]:
        assert action["type"] == "Action.Execute", action
        return await self.click(action["verb"], action.get("data"), who=who, at=at, card_id=card_id)
