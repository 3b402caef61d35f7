"""Secrets held between a question and its Confirm click (an import URL with credentials): never in a card, the
audit or a log.

Two keepers with one interface (``put`` a value, get a reference; ``take`` the value back by it within ``ttl_s``):

- ``PendingSecrets``, in this process's memory: single use, lost on restart, and only the instance that asked
  can confirm. The default, for one instance.
- ``SealedSecrets`` with ``PENDING_SECRETS_KEY`` (Fernet keys: AES-128-CBC with HMAC-SHA256, from the
  ``cryptography`` package): the reference *is* the value encrypted and timestamped, so it travels with the
  confirmation through the shared store and any instance holding the key opens it, within ``ttl_s`` of sealing.
  The first key seals, every key opens: add a new key first, drop the old one later, and every secret sealed
  under a dropped key is unreadable for good.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

TTL_S = 600.0
SEALED = "sealed."  # the prefix of a sealed reference (an in-memory one never has it)


class SecretKeeper(Protocol):
    def put(self, value: str) -> str: ...

    def take(self, ref: str) -> str | None: ...


@dataclass
class PendingSecrets:
    """Secret values in memory only: single use, expiring; lost on restart (the user is then asked to send the
    command again)."""

    ttl_s: float = TTL_S
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


class SealedSecrets:
    """Secret values sealed into their reference with the instances' shared keys (see the module docstring)."""

    def __init__(self, keys: Sequence[str], *, ttl_s: float = TTL_S, clock: Callable[[], float] = time.time) -> None:
        if not keys:
            raise ValueError("SealedSecrets needs at least one key")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        self._ttl_s = int(ttl_s)
        self._clock = clock

    def put(self, value: str) -> str:
        return SEALED + self._fernet.encrypt_at_time(value.encode(), int(self._clock())).decode()

    def take(self, ref: str) -> str | None:
        if not ref.startswith(SEALED):
            return None
        try:
            return self._fernet.decrypt_at_time(ref.removeprefix(SEALED).encode(), self._ttl_s,
                                                int(self._clock())).decode()
        except (InvalidToken, UnicodeDecodeError):  # expired, tampered with, or sealed under a key dropped since
            return None


def check_keys(keys: Sequence[str]) -> None:
    """``ValueError`` naming the position of a key that is not a Fernet key (never the key itself)."""
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ValueError(f"PENDING_SECRETS_KEY: key {position} is not a Fernet key (32 bytes, url-safe base64; "
                             "make one with: python3 -c \"import base64, os; "
                             "print(base64.urlsafe_b64encode(os.urandom(32)).decode())\")") from None


def secret_keeper(keys: Sequence[str]) -> SecretKeeper:
    """Sealed when keys are configured (several instances), else in memory (one instance)."""
    return SealedSecrets(keys) if keys else PendingSecrets()
