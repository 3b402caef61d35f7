"""One holder at a time across every instance of the bot that shares the store: a named lease, waited for.

    async with held(services, "approval:release:3"):   # another instance's click on it waits here
        ...                                             # read afresh, then decide once

The lease expires by itself (``ttl``) when its holder dies, so a crash never blocks the work for good; within one
process an asyncio lock keeps the waiting to one poller. A wait that outlasts ``wait_s`` is an expected failure
("try again"), never a second holder.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.container import Services
from bot.errors import ServiceUnavailable

TTL = timedelta(seconds=60)
WAIT_S = 30.0
POLL_S = 0.05


@asynccontextmanager
async def held(services: Services, name: str, *, ttl: timedelta = TTL, wait_s: float = WAIT_S,
               poll_s: float = POLL_S) -> AsyncIterator[None]:
    """Holds the store's lease ``name`` for the block (see the module docstring)."""
    store = services.store
    holder = uuid.uuid4().hex
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while not await store.acquire_lease(name, holder, ttl, services.clock()):
        if loop.time() > deadline:
            raise ServiceUnavailable("Someone else's click on this is still being carried out.",
                                     title="Busy", next_step="Try again in a minute.")
        await asyncio.sleep(poll_s)
    try:
        yield
    finally:
        await store.release_lease(name, holder)
