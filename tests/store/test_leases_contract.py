"""Contract of ``Leases``: every backend that provides it must pass these tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Leases

pytestmark = pytest.mark.asyncio

CONCERN = Leases

NOW = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


async def test_one_holder_at_a_time(store: Leases) -> None:
    assert await store.lease_holder("digests", NOW) is None
    assert await store.acquire_lease("digests", "instance-a", TTL, NOW) is True
    assert await store.acquire_lease("digests", "instance-b", TTL, NOW + timedelta(seconds=29)) is False
    assert await store.lease_holder("digests", NOW + timedelta(seconds=29)) == "instance-a"
    assert await store.acquire_lease("other-work", "instance-b", TTL, NOW) is True  # leases are by name


async def test_the_holder_acquires_again_and_renews(store: Leases) -> None:
    assert await store.acquire_lease("digests", "a", TTL, NOW) is True
    assert await store.acquire_lease("digests", "a", TTL, NOW + timedelta(seconds=20)) is True  # extended to 50 s
    assert await store.renew_lease("digests", "a", TTL, NOW + timedelta(seconds=45)) is True  # to 75 s
    assert await store.acquire_lease("digests", "b", TTL, NOW + timedelta(seconds=74)) is False
    assert await store.renew_lease("digests", "b", TTL, NOW + timedelta(seconds=74)) is False  # not its lease
    assert await store.lease_holder("digests", NOW + timedelta(seconds=74)) == "a"


async def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew_it(store: Leases) -> None:
    assert await store.acquire_lease("digests", "a", TTL, NOW) is True
    later = NOW + TTL
    assert await store.lease_holder("digests", later) is None  # expired at NOW + TTL
    assert await store.acquire_lease("digests", "b", TTL, later) is True
    assert await store.renew_lease("digests", "a", TTL, later) is False
    assert await store.release_lease("digests", "a") is False
    assert await store.lease_holder("digests", later) == "b"


async def test_an_expired_lease_cannot_be_renewed(store: Leases) -> None:
    assert await store.acquire_lease("digests", "a", TTL, NOW) is True
    assert await store.renew_lease("digests", "a", TTL, NOW + TTL) is False
    assert await store.renew_lease("nothing", "a", TTL, NOW) is False


async def test_release_frees_it_at_once(store: Leases) -> None:
    assert await store.acquire_lease("digests", "a", TTL, NOW) is True
    assert await store.release_lease("digests", "b") is False
    assert await store.release_lease("digests", "a") is True
    assert await store.release_lease("digests", "a") is False
    assert await store.lease_holder("digests", NOW) is None
    assert await store.acquire_lease("digests", "b", TTL, NOW) is True


async def test_concurrent_acquires_exactly_one_wins(store: Leases) -> None:
    results = await asyncio.gather(*(store.acquire_lease("digests", f"holder-{n}", TTL, NOW) for n in range(8)))

    assert results.count(True) == 1
    assert await store.lease_holder("digests", NOW) == f"holder-{results.index(True)}"


async def test_bad_arguments_are_refused(store: Leases) -> None:
    for name, holder, ttl, now in [("", "a", TTL, NOW), ("x", "", TTL, NOW), ("x", "a", timedelta(0), NOW),
                                   ("x", "a", TTL, datetime(2026, 1, 1))]:
        with pytest.raises(ValueError):
            await store.acquire_lease(name, holder, ttl, now)
    assert await store.lease_holder("x", NOW) is None


async def test_leases_survive_reopen(reopen) -> None:
    async with reopen() as first:
        await first.acquire_lease("digests", "a", TTL, NOW)

    async with reopen() as second:
        assert await second.lease_holder("digests", NOW) == "a"
        assert await second.acquire_lease("digests", "b", TTL, NOW) is False
