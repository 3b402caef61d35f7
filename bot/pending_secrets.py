"""Secrets held between a question and its Confirm click (an import URL with credentials), in memory only."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class PendingSecrets:
    """Secret values (an import URL with credentials) between the question and the Confirm click, in memory
    only: never in the store, a card, the audit or a log. Single use, expiring; lost on restart (the user is
    then asked to send the command again)."""

    ttl_s: float = 600.0
    clock: Callable[[], float] = time.monotonic
    _items: dict[str, tuple[float, str]] = field(default_factory=dict)

    def put(self, value: str) -> str:
        now = self.clock()
        self._items = {k: v for k, v in self._items.items() if v[0] > now}
        ref = secrets.token_urlsafe(12)
        self._items[ref] = (now + self.ttl_s, value)
        return ref

    def take(self, ref: str) -> str | None:
        expires, value = self._items.pop(ref, (0.0, ""))
        return value if value and expires > self.clock() else None
