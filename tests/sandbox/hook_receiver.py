"""A loopback HTTP receiver for service hook deliveries, on its own thread (the sandbox's control calls wait for the
deliveries they cause, so the receiver must not share the test's event loop)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class HookReceiver:
    """Records every POST; answers ``status`` (change it to make deliveries fail)."""

    status: int = 200
    received: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(Delivery(self.path, dict(self.headers.items()), json.loads(raw)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def of(self, event_type: str) -> list[dict]:
        return [d.body for d in self.received if d.body.get("eventType") == event_type]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
