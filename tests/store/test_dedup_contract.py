"""Contract of ``ActivityDedup``: every backend that provides it must pass these tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import ActivityDedup

pytestmark = pytest.mark.asyncio

CONCERN = ActivityDedup

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


async def test_first_sighting(store: ActivityDedup) -> None:
    assert await store.first_sighting("act-1", NOW) is True
    assert await store.first_sighting("act-1", NOW + timedelta(seconds=1)) is False
    assert await store.first_sighting("act-2", NOW) is True
    assert await store.first_sighting("act-1", NOW + timedelta(hours=23)) is False


async def test_sightings_are_pruned_after_24_hours(store: ActivityDedup) -> None:
    assert await store.first_sighting("act-1", NOW) is True

    assert await store.first_sighting("act-1", NOW + timedelta(hours=24, seconds=1)) is True
    assert await store.first_sighting("act-1", NOW + timedelta(hours=24, seconds=2)) is False


async def test_naive_datetimes_are_refused(store: ActivityDedup) -> None:
    with pytest.raises(ValueError):
        await store.first_sighting("act-1", datetime(2025, 1, 1))


async def test_sightings_survive_reopen(reopen) -> None:
    async with reopen() as first:
        await first.first_sighting("act-1", NOW)

    async with reopen() as second:
        assert await second.first_sighting("act-1", NOW) is False
