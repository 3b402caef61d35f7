"""Contract of ``WorkJournal``: every backend that provides it must pass these tests."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store import DuplicateIntent, RecordedWork, UnknownIntent, WorkIntent, WorkJournal, WorkOutcome
from bot.store.sqlite import path_from_url

pytestmark = pytest.mark.asyncio

CONCERN = WorkJournal

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _intent(intent_id: str = "work-1", at: datetime = NOW, **overrides: object) -> WorkIntent:
    fields: dict[str, object] = {
        "id": intent_id,
        "operation": "repo.create",
        "requested_by": "aad-1",
        "conversation_id": "conv-1",
        "card_activity_id": "card-1",
        "at": at,
        "data": {"name": "models", "labels": ["Zoë", "李"], "n": [1, 2]},
    }
    fields.update(overrides)
    return WorkIntent(**fields)  # type: ignore[arg-type]


def _ok(at: datetime = NOW + timedelta(seconds=3), detail: str = "created") -> WorkOutcome:
    return WorkOutcome(outcome="ok", at=at, detail=detail)


async def test_intent_is_read_back_unfinished(store: WorkJournal) -> None:
    at = datetime(2025, 3, 1, 14, 0, 0, 123, tzinfo=timezone(timedelta(hours=2)))
    await store.record_intent(_intent(at=at))

    work = await store.get_work("work-1")

    assert work == RecordedWork(_intent(at=at), outcome=None)
    assert work.intent.at.utcoffset() == timedelta(0)
    assert await store.get_work("never-recorded") is None


async def test_reads_return_fresh_copies(store: WorkJournal) -> None:
    await store.record_intent(_intent())
    first = await store.get_work("work-1")
    first.intent.data["labels"].append("changed")

    assert (await store.get_work("work-1")).intent.data == _intent().data
    assert (await store.unfinished_intents())[0].data == _intent().data


async def test_a_duplicate_intent_id_is_refused_and_the_first_stands(store: WorkJournal) -> None:
    await store.record_intent(_intent())

    with pytest.raises(DuplicateIntent):
        await store.record_intent(_intent(operation="repo.import", data={}))

    assert issubclass(DuplicateIntent, ValueError)
    assert (await store.get_work("work-1")).intent == _intent()


async def test_outcome_is_recorded_exactly_once(store: WorkJournal) -> None:
    await store.record_intent(_intent())

    assert await store.record_outcome("work-1", _ok()) is True
    assert await store.record_outcome("work-1", WorkOutcome("failed", at=NOW + timedelta(minutes=1))) is False
    assert await store.record_outcome("work-1", _ok()) is False

    work = await store.get_work("work-1")
    assert work == RecordedWork(_intent(), _ok())
    assert work.outcome.at.utcoffset() == timedelta(0)
    assert await store.unfinished_intents() == []


async def test_outcome_for_an_unknown_intent_is_refused(store: WorkJournal) -> None:
    with pytest.raises(UnknownIntent):
        await store.record_outcome("never-recorded", _ok())

    assert issubclass(UnknownIntent, LookupError)
    assert await store.get_work("never-recorded") is None


async def test_unfinished_intents_oldest_first(store: WorkJournal) -> None:
    await store.record_intent(_intent("c", at=NOW + timedelta(minutes=2)))
    await store.record_intent(_intent("a", at=NOW))
    await store.record_intent(_intent("b", at=NOW))  # the same moment as "a", recorded after it
    await store.record_intent(_intent("d", at=NOW + timedelta(minutes=1)))
    failed = WorkOutcome("failed", at=NOW + timedelta(minutes=3), detail="HTTP 500")
    await store.record_outcome("d", failed)

    unfinished = await store.unfinished_intents()

    assert [intent.id for intent in unfinished] == ["a", "b", "c"]
    assert unfinished[0] == _intent("a", at=NOW)
    assert (await store.get_work("d")).outcome == failed


async def test_concurrent_outcomes_exactly_one_wins(store: WorkJournal) -> None:
    await store.record_intent(_intent())
    outcomes = [WorkOutcome(f"outcome-{n}", at=NOW + timedelta(seconds=n)) for n in range(10)]

    results = await asyncio.gather(*(store.record_outcome("work-1", outcome) for outcome in outcomes))

    assert results.count(True) == 1
    assert (await store.get_work("work-1")).outcome == outcomes[results.index(True)]


async def test_concurrent_intents_with_one_id_exactly_one_is_recorded(store: WorkJournal) -> None:
    intents = [_intent(card_activity_id=f"card-{n}") for n in range(10)]

    results = await asyncio.gather(*(store.record_intent(intent) for intent in intents), return_exceptions=True)

    assert [result is None for result in results].count(True) == 1
    assert all(isinstance(result, DuplicateIntent) for result in results if result is not None)
    assert (await store.get_work("work-1")).intent == intents[results.index(None)]


async def test_invalid_intents_and_outcomes_are_refused(store: WorkJournal) -> None:
    for bad in (_intent(at=datetime(2025, 3, 1)), _intent(""), _intent(operation=""), _intent(data={"x": {1, 2}})):
        with pytest.raises(ValueError):
            await store.record_intent(bad)
    assert await store.unfinished_intents() == []

    await store.record_intent(_intent())
    with pytest.raises(ValueError):
        await store.record_outcome("work-1", WorkOutcome("ok", at=datetime(2025, 3, 1)))
    with pytest.raises(ValueError):
        await store.record_outcome("work-1", WorkOutcome("", at=NOW))
    assert (await store.get_work("work-1")).outcome is None


async def test_journal_has_no_way_to_change_or_remove_work(store: WorkJournal) -> None:
    mutators = [
        name
        for name in dir(store)
        if any(word in name for word in ("intent", "work", "outcome"))
        and any(verb in name for verb in ("update", "delete", "remove", "forget", "clear"))
    ]
    assert mutators == []


async def test_recorded_work_cannot_be_changed_with_raw_sql(raw_sql: bool, store: WorkJournal, store_url: str) -> None:
    assert raw_sql  # only SQL backends run this test (tests/store/conftest.py)
    await store.record_intent(_intent())
    await store.record_intent(_intent("work-2"))
    await store.record_outcome("work-2", _ok())
    conn = sqlite3.connect(path_from_url(store_url), isolation_level=None)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="cannot be changed"):
            conn.execute("UPDATE work_journal SET operation = 'repo.delete' WHERE id = 'work-1'")
        with pytest.raises(sqlite3.DatabaseError, match="recorded once"):
            conn.execute("UPDATE work_journal SET outcome = 'failed' WHERE id = 'work-2'")
    finally:
        conn.close()

    assert (await store.get_work("work-1")).intent == _intent()
    assert (await store.get_work("work-2")).outcome == _ok()


async def test_journal_survives_reopen(reopen) -> None:
    async with reopen() as first:
        await first.record_intent(_intent("open"))
        await first.record_intent(_intent("done"))
        await first.record_outcome("done", _ok())

    async with reopen() as second:
        assert await second.unfinished_intents() == [_intent("open")]
        assert await second.get_work("done") == RecordedWork(_intent("done"), _ok())
        assert await second.record_outcome("done", _ok(detail="again")) is False
