"""One holder at a time across every instance of the bot that shares the store: named leases from the store.

Two ways to hold one:

    async with held(services, "approval:release:3"):    # waits while another instance's click holds it
        ...                                              # read afresh, then decide once

    async with attempt(services, "digest:19:abc") as lease:   # does not wait: None while another holds it
        if lease is None:
            return                                       # another instance is doing it
        ...
        if not await lease.keep():                       # still ours? (checked right before the effect)
            return

A lease expires by itself (``ttl``, default the ``LEASE_SECONDS`` setting) when its holder dies, so a crash never
blocks the work for good: another instance takes it over then. While it is held it is renewed every third of its
``ttl``, so a long piece of work (a paced delivery waiting out a 429) is not taken over while its holder is alive.
A wait in ``held`` that outlasts ``wait_s`` is an expected failure ("try again"), never a second holder.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.container import Services
from bot.errors import ServiceUnavailable

log = logging.getLogger(__name__)

WAIT_S = 30.0
POLL_S = 0.05
# who holds a lease, for the logs and for an operator reading the store: App Service's instance, else host and pid
INSTANCE = f"{os.environ.get('WEBSITE_INSTANCE_ID', '')[:12] or socket.gethostname()}:{os.getpid()}"


class Lease:
    """A lease this process holds (see the module docstring); renewed in the background until released."""

    def __init__(self, services: Services, name: str, ttl: timedelta | None = None) -> None:
        self._services = services
        self.name = name
        self.holder = f"{INSTANCE}:{uuid.uuid4().hex[:12]}"
        self._ttl = ttl or timedelta(seconds=services.settings.lease_s)
        self._lost = False
        self._renewing: asyncio.Task[None] | None = None

    async def acquire(self) -> bool:
        return await self._services.store.acquire_lease(self.name, self.holder, self._ttl, self._services.clock())

    async def keep(self) -> bool:
        """Renews it now: True while it is still this holder's (no other instance has taken it over)."""
        if not self._lost and not await self._services.store.renew_lease(self.name, self.holder, self._ttl,
                                                                         self._services.clock()):
            self._lost = True
            log.warning("lease lost", extra={"lease": self.name})
        return not self._lost

    def renew_in_background(self) -> None:
        async def renew() -> None:
            while await self._sleep_then_keep():
                pass

        self._renewing = asyncio.get_running_loop().create_task(renew(), name=f"lease {self.name}")

    async def _sleep_then_keep(self) -> bool:
        await asyncio.sleep(self._ttl.total_seconds() / 3)
        try:
            return await self.keep()
        except OSError:  # the store is away for a moment: the next renewal tries again before expiry
            return True

    async def release(self) -> None:
        """Stops renewing and frees it; when the store is away it is left to expire by itself."""
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
        if not self._lost:
            self._lost = True  # released: never renewed or released again
            try:
                await self._services.store.release_lease(self.name, self.holder)
            except OSError:
                log.warning("lease not released; it expires by itself", extra={"lease": self.name})


async def take(services: Services, name: str, *, ttl: timedelta | None = None) -> Lease | None:
    """The lease ``name``, held and renewed until ``release()``; None at once when another holder has it (for work
    whose end is not in one block: confirmed work that goes on after the turn's answer)."""
    lease = Lease(services, name, ttl)
    if not await lease.acquire():
        return None
    lease.renew_in_background()
    return lease


@asynccontextmanager
async def attempt(services: Services, name: str, *, ttl: timedelta | None = None) -> AsyncIterator[Lease | None]:
    """The lease ``name`` held and renewed for the block, or None at once when another holder has it."""
    lease = await take(services, name, ttl=ttl)
    if lease is None:
        yield None
        return
    try:
        yield lease
    finally:
        await lease.release()


@asynccontextmanager
async def held(services: Services, name: str, *, ttl: timedelta | None = None, wait_s: float = WAIT_S,
               poll_s: float = POLL_S) -> AsyncIterator[Lease]:
    """Holds the store's lease ``name`` for the block, waiting for it (see the module docstring)."""
    lease = Lease(services, name, ttl)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while not await lease.acquire():
        if loop.time() > deadline:
            raise ServiceUnavailable("Someone else's click on this is still being carried out.",
                                     title="Busy", next_step="Try again in a minute.")
        await asyncio.sleep(poll_s)
    lease.renew_in_background()
    try:
        yield lease
    finally:
        await lease.release()
