"""Contract of ``VersionedState``: every backend that provides it must pass these tests."""

from __future__ import annotations

import asyncio

import pytest

from bot.store import ETagConflict, VersionedState

pytestmark = pytest.mark.asyncio

CONCERN = VersionedState


async def test_state_round_trip(store: VersionedState) -> None:
    value = {"count": 3, "nested": {"names": ["Zoë", "李"]}, "flag": True, "none": None}
    etags = await store.write_state({"a": (value, None)})

    items = await store.read_state(["a", "missing"])

    assert set(items) == {"a"}
    assert items["a"].value == value
    assert items["a"].etag == etags["a"]
    assert isinstance(etags["a"], str) and etags["a"]


async def test_read_returns_fresh_copies(store: VersionedState) -> None:
    await store.write_state({"a": ({"list": [1]}, None)})
    first = await store.read_state(["a"])
    first["a"].value["list"].append(2)

    again = await store.read_state(["a"])

    assert again["a"].value == {"list": [1]}


async def test_etag_changes_on_every_write(store: VersionedState) -> None:
    first = await store.write_state({"a": ({"v": 1}, None)})
    second = await store.write_state({"a": ({"v": 1}, first["a"])})

    assert second["a"] != first["a"]
    assert (await store.read_state(["a"]))["a"].etag == second["a"]


async def test_write_with_current_etag_succeeds(store: VersionedState) -> None:
    etags = await store.write_state({"a": ({"v": 1}, None)})
    await store.write_state({"a": ({"v": 2}, etags["a"])})

    assert (await store.read_state(["a"]))["a"].value == {"v": 2}


async def test_stale_etag_fails_and_nothing_in_the_batch_is_written(store: VersionedState) -> None:
    etags = await store.write_state({"a": ({"v": 1}, None), "b": ({"v": 1}, None)})
    await store.write_state({"b": ({"v": 2}, etags["b"])})  # makes etags["b"] stale

    with pytest.raises(ETagConflict):
        await store.write_state({"a": ({"v": 9}, etags["a"]), "c": ({"v": 9}, None), "b": ({"v": 9}, etags["b"])})

    items = await store.read_state(["a", "b", "c"])
    assert items["a"].value == {"v": 1} and items["a"].etag == etags["a"]
    assert items["b"].value == {"v": 2}
    assert "c" not in items


async def test_expected_etag_on_missing_key_conflicts(store: VersionedState) -> None:
    with pytest.raises(ETagConflict):
        await store.write_state({"a": ({"v": 1}, "some-etag")})

    assert await store.read_state(["a"]) == {}


async def test_star_and_none_overwrite_unconditionally(store: VersionedState) -> None:
    await store.write_state({"a": ({"v": 1}, None)})
    await store.write_state({"a": ({"v": 2}, "*")})
    assert (await store.read_state(["a"]))["a"].value == {"v": 2}

    await store.write_state({"a": ({"v": 3}, None)})
    assert (await store.read_state(["a"]))["a"].value == {"v": 3}


async def test_delete_state(store: VersionedState) -> None:
    etags = await store.write_state({"a": ({"v": 1}, None), "b": ({"v": 1}, None)})

    await store.delete_state(["a", "never-existed"])

    assert set(await store.read_state(["a", "b"])) == {"b"}
    with pytest.raises(ETagConflict):
        await store.write_state({"a": ({"v": 2}, etags["a"])})


async def test_concurrent_writers_with_same_etag_exactly_one_wins(store: VersionedState) -> None:
    etags = await store.write_state({"a": ({"writer": None}, None)})

    results = await asyncio.gather(
        *(store.write_state({"a": ({"writer": n}, etags["a"])}) for n in range(10)), return_exceptions=True
    )

    winners = [n for n, result in enumerate(results) if isinstance(result, dict)]
    assert len(winners) == 1
    assert all(isinstance(result, ETagConflict) for result in results if not isinstance(result, dict))
    assert (await store.read_state(["a"]))["a"].value == {"writer": winners[0]}


async def test_state_survives_reopen(reopen) -> None:
    async with reopen() as first:
        etags = await first.write_state({"a": ({"v": 1}, None)})

    async with reopen() as second:
        items = await second.read_state(["a"])
        assert (items["a"].value, items["a"].etag) == ({"v": 1}, etags["a"])
