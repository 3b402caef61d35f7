"""Contract of ``ModelCheckResults``: every backend that provides it must pass these tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store import ModelCheck, ModelCheckResults, open_store

pytestmark = pytest.mark.asyncio

CONCERN = ModelCheckResults

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
RESULT = {"verdict": "fail", "tests": [{"name": "test_data_set_0", "max_abs_err": 0.37, "passed": False}],
          "latency_ms": {"p50": 51.2}, "producer": "Zoë's 李 exporter", "none": None}


async def test_a_result_is_read_back_by_its_key(store: ModelCheckResults) -> None:
    at = datetime(2026, 11, 1, 14, 0, 0, 123, tzinfo=timezone(timedelta(hours=2)))
    assert await store.put_model_check(ModelCheck("abc/1", RESULT, at)) is True
    found = await store.get_model_check("abc/1")
    assert found == ModelCheck("abc/1", RESULT, at) and found.checked_at.tzinfo == UTC
    assert await store.get_model_check("abc/2") is None


async def test_the_first_result_stands(store: ModelCheckResults) -> None:
    assert await store.put_model_check(ModelCheck("k", RESULT, NOW))
    assert await store.put_model_check(ModelCheck("k", {"verdict": "pass"}, NOW + timedelta(hours=1))) is False
    assert (await store.get_model_check("k")).result == RESULT


async def test_reads_are_fresh_copies(store: ModelCheckResults) -> None:
    await store.put_model_check(ModelCheck("k", RESULT, NOW))
    (await store.get_model_check("k")).result["tests"].clear()
    assert (await store.get_model_check("k")).result == RESULT


async def test_concurrent_puts_store_one(store: ModelCheckResults) -> None:
    stored = await asyncio.gather(*(store.put_model_check(ModelCheck("k", {"n": i}, NOW)) for i in range(10)))
    assert stored.count(True) == 1


@pytest.mark.parametrize("check", [ModelCheck("", RESULT, NOW), ModelCheck("k", RESULT, datetime(2026, 1, 1)),
                                   ModelCheck("k", {"x": object()}, NOW)])
async def test_bad_input_is_refused(store: ModelCheckResults, check: ModelCheck) -> None:
    with pytest.raises(ValueError):
        await store.put_model_check(check)


async def test_results_survive_a_reopen(store_url: str) -> None:
    first = await open_store(store_url)
    await first.put_model_check(ModelCheck("k", RESULT, NOW))
    await first.close()
    again = await open_store(store_url)
    try:
        assert (await again.get_model_check("k")).result == RESULT
    finally:
        await again.close()
