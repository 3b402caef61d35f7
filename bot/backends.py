"""Backends plug in here: each one says how settings become a client, how to tell it is ready, and what it is
called in /healthz and /readyz. Adding one (Azure ML, ...) is a module that calls ``register`` and an import in
bot/services/__init__.py; nothing else changes.

    AZURE_DEVOPS = register(Backend(name="azure_devops", title="Azure DevOps", configured=..., connect=..., ...))
    devops = turn.services.client(AZURE_DEVOPS)        # or a NotConfigured card naming what to set
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.errors import NotConfigured
from bot.policy import RoleSource
from bot.settings import Settings

C = TypeVar("C")
ReadinessCheck = Callable[[], Awaitable[None]]  # raises when the dependency cannot serve


class CachedReadiness:
    """A readiness check (for /readyz) whose success is remembered for ``ttl_s``, so probes stay cheap; a failure
    is never remembered."""

    def __init__(self, check: ReadinessCheck, ttl_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._check = check
        self._ttl_s = ttl_s
        self._clock = clock
        self._ok_at: float | None = None

    async def __call__(self) -> None:
        if self._ok_at is not None and self._clock() - self._ok_at < self._ttl_s:
            return
        await self._check()
        self._ok_at = self._clock()


def _no_role_sources(client: Any, settings: Settings) -> Sequence[RoleSource]:
    return ()


@dataclass(frozen=True, eq=False)
class Backend(Generic[C]):
    name: str  # its key in /healthz and /readyz: "azure_devops"
    title: str  # in messages: "Azure DevOps"
    configured: Callable[[Settings], bool]
    connect: Callable[[Settings], C]  # the client; no network call at start-up
    readiness: Callable[[C], ReadinessCheck]
    close: Callable[[C], Awaitable[None]]
    target: Callable[[Settings], str]  # "sandbox" (a loopback stand-in) or "azure"
    settings_hint: str  # the next step when it is not configured: what to set
    role_sources: Callable[[C, Settings], Sequence[RoleSource]] = _no_role_sources


class BackendError(Exception):
    """A registration that would make two backends indistinguishable."""


_REGISTERED: dict[str, Backend[Any]] = {}


def register(backend: Backend[C]) -> Backend[C]:
    if backend.name in _REGISTERED and _REGISTERED[backend.name] is not backend:
        raise BackendError(f"backend {backend.name!r} is registered twice")
    _REGISTERED[backend.name] = backend
    return backend


def registered() -> tuple[Backend[Any], ...]:
    return tuple(_REGISTERED.values())


class Connected:
    """The clients of the configured backends, built once at start-up."""

    def __init__(self) -> None:
        self._clients: dict[str, tuple[Backend[Any], Any]] = {}

    def add(self, backend: Backend[C], client: C) -> None:
        self._clients[backend.name] = (backend, client)

    def optional(self, backend: Backend[C]) -> C | None:
        found = self._clients.get(backend.name)
        return found[1] if found else None

    def get(self, backend: Backend[C]) -> C:
        """The backend's client, or a NotConfigured error whose next step names the settings to set."""
        client = self.optional(backend)
        if client is None:
            raise NotConfigured(f"{backend.title} is not configured for this bot.", next_step=backend.settings_hint)
        return client

    def __iter__(self) -> Iterator[tuple[Backend[Any], Any]]:
        return iter(list(self._clients.values()))

    def targets(self, settings: Settings) -> dict[str, str]:
        """name -> "sandbox" | "azure", for /healthz."""
        return {backend.name: backend.target(settings) for backend, _ in self}

    async def close(self) -> None:
        for backend, client in self:
            await backend.close(client)
