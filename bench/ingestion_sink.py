"""An Application Insights ingestion stand-in on loopback: accepts what the Azure Monitor exporter posts to
``<IngestionEndpoint>/v2.1/track`` (a JSON array of envelopes, possibly gzipped) and answers that every item was
accepted. It keeps the envelopes only when asked (tests); the bench only counts them.

    sink = IngestionSink(keep=True)
    runner = await sink.start()                      # a free loopback port
    APPLICATIONINSIGHTS_CONNECTION_STRING = sink.connection_string
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from aiohttp import web

INSTRUMENTATION_KEY = "00000000-0000-4000-8000-000000000000"


class IngestionSink:
    def __init__(self, *, keep: bool = False) -> None:
        self.keep = keep
        self.envelopes: list[dict[str, Any]] = []
        self.bodies: list[str] = []
        self.received = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def connection_string(self) -> str:
        return f"InstrumentationKey={INSTRUMENTATION_KEY};IngestionEndpoint=http://127.0.0.1:{self.port}/"

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/{path:.*}", self._track)
        return app

    async def _track(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8", errors="replace")
        try:
            items = json.loads(text)
        except ValueError:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        items = items if isinstance(items, list) else [items]
        self.received += len(items)
        if self.keep:
            self.bodies.append(text)
            self.envelopes.extend(items)
        return web.json_response({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})

    async def start(self) -> web.AppRunner:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self._runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def names(self) -> list[str]:
        """The telemetry items' names (span names for requests and dependencies, metric names, log messages)."""
        found = []
        for envelope in self.envelopes:
            data = (envelope.get("data") or {}).get("baseData") or {}
            if "metrics" in data:
                found.extend(m.get("name", "") for m in data["metrics"])
            else:
                found.append(data.get("name") or data.get("message") or "")
        return found
