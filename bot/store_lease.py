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
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.container import Services
from bot.errors import ServiceUnavailable

log = logging.getLogger(__name__)

WAIT_S = 30.0
POLL_S = 0.05
SKEW_SHARE = 0.2  # the share of a lease's time to live its holder leaves for clock skew and the store's delays
# who holds a lease, for the logs and for an operator reading the store: App Service's instance, else host and pid
INSTANCE = f"{os.environ.get('WEBSITE_INSTANCE_ID', '')[:12] or socket.gethostname()}:{os.getpid()}"


class Lease:
    """A lease this process holds (see the module docstring); renewed in the background until released.

    Its holder counts it as its own only while the store confirmed it within the time to live, less a margin for
    clock skew, by its own monotonic clock (``valid``): a renewal that hangs or keeps failing (the store throttled
    or away) makes it lost here before another instance can take it over there. Each store call is bounded by a
    third of the time to live; a failed renewal is tried again every tenth of it, with the failure logged."""

    def __init__(self, services: Services, name: str, ttl: timedelta | None = None) -> None:
        self._services = services
        self.name = name
        self.holder = f"{INSTANCE}:{uuid.uuid4().hex[:12]}"
        self._ttl = ttl or timedelta(seconds=services.settings.lease_s)
        self._call_s = self._ttl.total_seconds() / 3
        self._valid_until = 0.0  # monotonic
        self._done = False  # lost or released: never renewed or released again
        self.lost = asyncio.Event()
        self._renewing: asyncio.Task[None] | None = None

    @property
    def valid(self) -> bool:
        return not self._done and time.monotonic() < self._valid_until

    def _confirmed(self, asked_at: float) -> None:
        self._valid_until = asked_at + self._ttl.total_seconds() * (1 - SKEW_SHARE)

    async def acquire(self) -> bool:
        asked_at = time.monotonic()
        async with asyncio.timeout(self._call_s):
            got = await self._services.store.acquire_lease(self.name, self.holder, self._ttl, self._services.clock())
        if got:
            self._confirmed(asked_at)
        return got

    async def keep(self) -> bool:
        """Renews it now: True while it is still this holder's (the store confirmed it in time). A False is final."""
        if not self.valid:
            self._lose("its time to live passed without a renewal")
            return False
        asked_at = time.monotonic()
        try:
            async with asyncio.timeout(self._call_s):
                kept = await self._services.store.renew_lease(self.name, self.holder, self._ttl,
                                                              self._services.clock())
        except Exception as exc:  # noqa: BLE001 (any store failure: unconfirmed; still ours while valid, tried again soon)
            log.warning("lease not renewed", extra={"lease": self.name, "reason": type(exc).__name__})
            if self.valid:
                return True
            self._lose("the store did not confirm it within its time to live")
            return False
        if not kept:
            self._lose("another holder has it")
            return False
        self._confirmed(asked_at)
        return True

    def _lose(self, why: str) -> None:
        if not self._done:
            self._done = True
            self.lost.set()
            log.warning("lease lost", extra={"lease": self.name, "reason": why})

    def renew_in_background(self) -> None:
        async def renew() -> None:
            pause = self._ttl.total_seconds() / 3
            while True:
                await asyncio.sleep(pause)
                if not await self.keep():
                    return
                # confirmed just now: wait a third; only failed (valid for a while yet): try again sooner
                pause = self._ttl.total_seconds() / (3 if self._valid_until - time.monotonic()
                                                      > self._ttl.total_seconds() * 0.5 else 10)

        self._renewing = asyncio.get_running_loop().create_task(renew(), name=f"lease {self.name}")

    async def release(self) -> None:
        """Stops renewing and frees it; when the store cannot be told, it is left to expire by itself."""
        await asyncio.shield(self._release())

    async def _release(self) -> None:
        self.abandon()
        if self._renewing is not None:
            await asyncio.gather(self._renewing, return_exceptions=True)
        if self._done:
            return
        self._done = True
        try:
            async with asyncio.timeout(self._call_s):
                await self._services.store.release_lease(self.name, self.holder)
        except Exception as exc:  # noqa: BLE001 (any store failure: the lease expires by itself)
            log.warning("lease not released; it expires by itself", extra={"lease": self.name,
                                                                           "reason": type(exc).__name__})

    def abandon(self) -> None:
        """Stops renewing without freeing it: it expires by itself (work whose calls may still land elsewhere)."""
        if self._renewing is not None:
            self._renewing.cancel()


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


async def _acquire_within(lease: Lease, wait_s: float, poll_s: float) -> bool:
    """Tries for ``lease`` until ``wait_s`` has passed; True (and renewed from then on) once it holds it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while not await lease.acquire():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(poll_s)
    lease.renew_in_background()
    return True


@asynccontextmanager
async def held(services: Services, name: str, *, ttl: timedelta | None = None, wait_s: float = WAIT_S,
               poll_s: float = POLL_S) -> AsyncIterator[Lease]:
    """Holds the store's lease ``name`` for the block, waiting for it (see the module docstring)."""
    lease = Lease(services, name, ttl)
    if not await _acquire_within(lease, wait_s, poll_s):
        raise ServiceUnavailable("Someone else's click on this is still being carried out.",
                                 title="Busy", next_step="Try again in a minute.")
    try:
        yield lease
    finally:
        await lease.release()


@asynccontextmanager
async def preferably_held(services: Services, name: str, *, wait_s: float, poll_s: float = 0.5
                          ) -> AsyncIterator[bool]:
    """Holds the lease ``name`` for the block if it can within ``wait_s`` (yields True), else goes on without it
    (False): for work that is only wasteful, never wrong, when done twice (a model check another instance is
    running, which the block then usually finds done)."""
    lease = Lease(services, name)
    got = False
    try:
        got = await _acquire_within(lease, wait_s, poll_s)
    except Exception as exc:  # noqa: BLE001 (the store away: the work goes on without the lease)
        log.warning("lease not taken; going on without it", extra={"lease": name, "reason": type(exc).__name__})
    try:
        yield got
    finally:
        if got:
            await lease.release()
