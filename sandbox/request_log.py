"""The log of Azure DevOps calls the sandbox answered (control calls excluded)."""

from __future__ import annotations

import threading
import time
from collections import deque


class RequestLog:
    def __init__(self, keep: int = 20000) -> None:
        self._entries: deque[dict] = deque(maxlen=keep)
        self._seq = 0
        self._lock = threading.Lock()
        self._origin = time.monotonic()

    def record(self, *, method: str, host: str, origin: str, path: str, query: str, status: int, ms: float) -> int:
        with self._lock:
            self._seq += 1
            self._entries.append({"seq": self._seq, "method": method, "host": host, "origin": origin,
                                  "path": path, "query": query, "status": status, "ms": round(ms, 2),
                                  # when the answer was finished, in ms since the sandbox started (so tests can
                                  # see which calls overlapped: a call ran from at - ms to at)
                                  "at": round((time.monotonic() - self._origin) * 1000, 2)})
            return self._seq

    def since(self, seq: int) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._entries if entry["seq"] > seq]

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq
