"""Contract of ``DigestSchedules``: every backend that provides it must pass these tests."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import DigestSchedule, DigestSchedules

pytestmark = pytest.mark.asyncio

CONCERN = DigestSchedules
T0 = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)


def daily(conversation_id: str = "c1", **changes) -> DigestSchedule:
    return replace(DigestSchedule(conversation_id, "daily", "08:00", "Europe/Berlin", "alice-oid", T0), **changes)


async def test_put_get_list_delete(store: DigestSchedules) -> None:
    assert await store.get_schedule("c1") is None and await store.list_schedules() == []
    await store.put_schedule(daily())
    await store.put_schedule(daily("c0", kind="weekdays", at="17:30", zone="UTC"))
    assert await store.get_schedule("c1") == daily()
    assert [s.conversation_id for s in await store.list_schedules()] == ["c0", "c1"]
    await store.put_schedule(daily(at="09:15"))  # replaces
    assert (await store.get_schedule("c1")).at == "09:15"
    assert await store.delete_schedule("c1") is True
    assert await store.delete_schedule("c1") is False
    assert await store.get_schedule("c1") is None


async def test_each_due_time_is_claimed_once(store: DigestSchedules) -> None:
    assert await store.claim_digest("c1", T0) is False  # no schedule
    await store.put_schedule(daily())
    assert await store.claim_digest("c1", T0) is True
    assert await store.claim_digest("c1", T0) is False
    assert await store.claim_digest("c1", T0 - timedelta(days=1)) is False  # older than the last one
    assert (await store.get_schedule("c1")).last_due == T0
    results = await asyncio.gather(*(store.claim_digest("c1", T0 + timedelta(days=1)) for _ in range(5)))
    assert results.count(True) == 1


async def test_a_replaced_schedule_keeps_its_last_due_time(store: DigestSchedules) -> None:
    await store.put_schedule(daily())
    await store.claim_digest("c1", T0)
    await store.put_schedule(daily(at="07:00", last_due=None))
    assert (await store.get_schedule("c1")).last_due == T0
    await store.put_schedule(daily("c2", last_due=T0 - timedelta(days=2)))  # a new one takes the one given
    assert (await store.get_schedule("c2")).last_due == T0 - timedelta(days=2)


async def test_a_paused_schedule_claims_nothing_until_it_is_set_again(store: DigestSchedules) -> None:
    await store.put_schedule(daily())
    assert await store.pause_schedule("c1", "removed", T0) is True
    assert await store.pause_schedule("c1", "removed", T0) is False
    paused = await store.get_schedule("c1")
    assert paused.paused == "removed" and paused.paused_at == T0
    assert await store.claim_digest("c1", T0) is False
    await store.put_schedule(daily())
    assert (await store.get_schedule("c1")).paused == "" and await store.claim_digest("c1", T0) is True
    assert await store.pause_schedule("nowhere", "removed", T0) is False


async def test_naive_times_are_refused(store: DigestSchedules) -> None:
    with pytest.raises(ValueError):
        await store.put_schedule(daily(created_at=datetime(2026, 1, 1)))
    with pytest.raises(ValueError):
        await store.put_schedule(daily(conversation_id=""))
    await store.put_schedule(daily())
    with pytest.raises(ValueError):
        await store.claim_digest("c1", datetime(2026, 1, 1))


async def test_schedules_survive_reopen(reopen) -> None:
    async with reopen() as first:
        await first.put_schedule(daily())
        await first.claim_digest("c1", T0)
    async with reopen() as second:
        assert (await second.get_schedule("c1")).last_due == T0
