"""Leases held by this process (bot/store_lease.py) against a real SQLite store: renewed through store failures
while still valid, lost when not confirmed in time or taken over, and confirmed work stopped when its lease is lost."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.confirmations import released_after
from bot.conversation import Reply
from bot.store import open_store
from bot.store_lease import Lease, take

TTL = timedelta(seconds=0.6)


class Flaky:
    """The store, with renewals that fail (``fail``) or hang (``hang``) on request."""

    def __init__(self, store) -> None:
        self.store = store
        self.fail = 0
        self.hang = False
        self.renewals = 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    async def renew_lease(self, *args):
        self.renewals += 1
        if self.hang:
            await asyncio.sleep(3600)
        if self.fail:
            self.fail -= 1
            raise ConnectionResetError("the store went away for a moment")
        return await self.store.renew_lease(*args)


@pytest.fixture
async def services(tmp_path):
    store = await open_store(f"sqlite:///{tmp_path}/bot.db")
    yield SimpleNamespace(store=Flaky(store), settings=SimpleNamespace(lease_s=TTL.total_seconds()),
                          clock=lambda: datetime.now(UTC))
    await store.close()


async def test_a_held_lease_is_renewed_and_released(services):
    lease = await take(services, "job")
    await asyncio.sleep(TTL.total_seconds() * 1.5)
    assert lease.valid and services.store.renewals >= 2
    assert await take(services, "job") is None  # another holder, while it is renewed
    await lease.release()
    assert await services.store.lease_holder("job", datetime.now(UTC)) is None


async def test_renewals_that_fail_for_a_moment_keep_it_and_say_so(services, caplog):
    services.store.fail = 1
    with caplog.at_level(logging.WARNING, logger="bot.store_lease"):
        lease = await take(services, "job")
        await asyncio.sleep(TTL.total_seconds() * 1.5)
    assert lease.valid and not lease.lost.is_set()
    assert "lease not renewed" in caplog.text
    await lease.release()


async def test_renewals_that_hang_lose_it_here_before_another_holder_can_take_it(services):
    services.store.hang = True
    lease = await take(services, "job")
    await asyncio.wait_for(lease.lost.wait(), timeout=5)
    assert not lease.valid and not await lease.keep()
    # the store still had it for a while after this holder stopped counting on it (its margin for skew)
    await lease.release()


async def test_a_lease_taken_over_is_lost_and_its_release_leaves_the_new_holder_alone(services):
    lease = Lease(services, "job")
    assert await lease.acquire()  # not renewed: it expires
    await asyncio.sleep(TTL.total_seconds() + 0.05)
    assert await services.store.acquire_lease("job", "other-instance", TTL * 10, datetime.now(UTC))
    assert not await lease.keep() and lease.lost.is_set()
    await lease.release()
    assert await services.store.lease_holder("job", datetime.now(UTC)) == "other-instance"


async def test_confirmed_work_whose_lease_is_lost_is_stopped_and_left_to_its_new_holder(services):
    lease = await take(services, "work:1")
    services.store.hang = True
    stopped = asyncio.Event()

    async def work() -> Reply:
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()
        return Reply(text="done")

    reply = await asyncio.wait_for(released_after(lease, work()), timeout=5)
    assert stopped.is_set() and "another of its instances finishes it" in str(reply.card)


async def test_confirmed_work_that_ends_frees_its_lease_and_work_that_fails_lets_it_expire(services):
    lease = await take(services, "work:2")
    assert (await released_after(lease, asyncio.sleep(0, Reply(text="done")))).text == "done"
    assert await services.store.lease_holder("work:2", datetime.now(UTC)) is None

    async def broken() -> Reply:
        raise RuntimeError("a bug")

    lease = await take(services, "work:3")
    with pytest.raises(RuntimeError):
        await released_after(lease, broken())
    assert await services.store.lease_holder("work:3", datetime.now(UTC)) == lease.holder  # expires by itself
