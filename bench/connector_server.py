"""A lean Bot Connector stand-in for benchmarks, run as its own process: `python bench/connector_server.py`.

It answers the REST calls botbuilder's ConnectorClient makes (send, reply, update, get member) like
tests/harness/connector.py, but only counts what it receives (no card validation, nothing kept), so its
own cost stays small and equal for every bot measured. It listens on a free loopback port and prints
`PORT <n>` on stdout once it accepts connections. GET /_stats answers the counts per conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
from collections import defaultdict

from aiohttp import web

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


class Counts:
    def __init__(self) -> None:
        self.ids = itertools.count(1)
        # conversation id -> [activities received, of which with an Adaptive Card]
        self.by_conversation: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def record(self, conversation_id: str, activity: dict) -> None:
        counts = self.by_conversation[conversation_id]
        counts[0] += 1
        if any(a.get("contentType") == ADAPTIVE for a in activity.get("attachments") or []):
            counts[1] += 1


def make_app(counts: Counts) -> web.Application:
    async def send(request: web.Request) -> web.Response:
        counts.record(request.match_info["cid"], await request.json())
        return web.json_response({"id": f"bot-{next(counts.ids)}"}, status=201)

    async def update(request: web.Request) -> web.Response:
        counts.record(request.match_info["cid"], await request.json())
        return web.json_response({"id": request.match_info["aid"]})

    async def member(request: web.Request) -> web.Response:
        uid = request.match_info["uid"]
        return web.json_response({"id": uid, "name": "Bench User", "aadObjectId": "", "userRole": "user"})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({cid: {"sent": c[0], "cards": c[1]} for cid, c in counts.by_conversation.items()})

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_post("/v3/conversations/{cid}/activities", send)
    app.router.add_post("/v3/conversations/{cid}/activities/{aid}", send)
    app.router.add_put("/v3/conversations/{cid}/activities/{aid}", update)
    app.router.add_get("/v3/conversations/{cid}/members/{uid}", member)
    app.router.add_get("/_stats", stats)
    return app


async def serve() -> None:
    runner = web.AppRunner(make_app(Counts()), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()  # until the benchmark terminates this process
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
