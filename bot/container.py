"""Everything a handler may use, built once at start-up (bot.runtime) and handed to each turn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar, cast

from bot.audit import AuditLog
from bot.backends import Backend, Connected, ReadinessCheck
from bot.background import Background
from bot.conversation import Messenger
from bot.isolation import IsolatedRunner
from bot.pacing import Pacing
from bot.pending_secrets import PendingSecrets, SecretKeeper
from bot.policy import Policy
from bot.router import Registry
from bot.settings import Settings
from bot.store import Store

C = TypeVar("C")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    store: Store
    policy: Policy
    audit: AuditLog
    registry: Registry
    messenger: Messenger | None = None  # set once the adapter exists
    backends: Connected = field(default_factory=Connected)  # the configured backends' clients (bot.backends)
    background: Background = field(default_factory=Background)  # asyncio work that outlives its turn
    isolation: IsolatedRunner = field(default_factory=IsolatedRunner)  # work that must run in another process
    pacing: Pacing = field(default_factory=Pacing)
    secrets: SecretKeeper = field(default_factory=PendingSecrets)  # between a question and its Confirm
    bot_name: str = "College Bot"
    clock: Callable[[], datetime] = utc_now
    # name -> check that raises when the dependency cannot serve (for /readyz)
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)

    # what is built once per bot from the rest (a backend's services that need the store or the runner)
    _shared: dict[object, object] = field(default_factory=dict, repr=False)

    def client(self, backend: Backend[C]) -> C:
        """The backend's client, or a NotConfigured error that says what to set."""
        return self.backends.get(backend)

    def shared(self, key: type[C], make: Callable[[Services], C]) -> C:
        """The one ``key`` object of this bot, made by ``make(services)`` the first time it is asked for."""
        if key not in self._shared:
            self._shared[key] = make(self)
        return cast(C, self._shared[key])
