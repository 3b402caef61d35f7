"""Contract of ``AuditTrail``: every backend that provides it must pass these tests."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store import AuditEntry, AuditTrail
from bot.store.sqlite import path_from_url

pytestmark = pytest.mark.asyncio

CONCERN = AuditTrail


def _entry(action: str, **overrides: object) -> AuditEntry:
    fields: dict[str, object] = {
        "actor_id": "aad-1",
        "actor_name": "Ada",
        "action": action,
        "target": "repo/x",
        "conversation_id": "conv-1",
        "outcome": "ok",
    }
    fields.update(overrides)
    return AuditEntry(**fields)  # type: ignore[arg-type]


async def test_audit_append_assigns_seq_and_at(store: AuditTrail) -> None:
    before = datetime.now(UTC)
    first = await store.append_audit(_entry("command.help", detail="d", correlation_id="corr-1"))
    second = await store.append_audit(_entry("repo.create"))

    assert first.seq is not None and second.seq is not None and second.seq > first.seq
    assert first.at is not None and first.at.tzinfo is not None and first.at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= first.at <= datetime.now(UTC) + timedelta(seconds=1)
    assert (first.action, first.detail, first.correlation_id) == ("command.help", "d", "corr-1")


async def test_audit_keeps_given_timestamp(store: AuditTrail) -> None:
    at = datetime(2025, 1, 2, 3, 4, 5, 678, tzinfo=timezone(timedelta(hours=2)))

    stored = await store.append_audit(_entry("command.help", at=at))
    [read] = await store.latest_audit(1)

    assert stored.at == at and read.at == at
    assert read.at.utcoffset() == timedelta(0)


async def test_audit_latest_is_newest_first(store: AuditTrail) -> None:
    for n in range(5):
        await store.append_audit(_entry(f"action.{n}", outcome="refused" if n % 2 else "ok"))

    latest = await store.latest_audit(3)

    assert [entry.action for entry in latest] == ["action.4", "action.3", "action.2"]
    assert latest[0] == _entry("action.4", at=latest[0].at, seq=latest[0].seq)
    assert latest[1].outcome == "refused"
    assert len(await store.latest_audit(100)) == 5
    assert await store.latest_audit(0) == []


async def test_audit_has_no_update_or_delete_method(store: AuditTrail) -> None:
    mutators = [
        name for name in dir(store) if "audit" in name and any(verb in name for verb in ("update", "delete", "remove"))
    ]
    assert mutators == []


async def test_audit_rows_cannot_be_changed_with_raw_sql(raw_sql: bool, store: AuditTrail, store_url: str) -> None:
    assert raw_sql  # only SQL backends run this test (tests/store/conftest.py)
    await store.append_audit(_entry("command.help"))
    conn = sqlite3.connect(path_from_url(store_url), isolation_level=None)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit SET outcome = 'failed'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit")
    finally:
        conn.close()

    [entry] = await store.latest_audit(10)
    assert entry.outcome == "ok"


async def test_audit_survives_reopen(reopen) -> None:
    async with reopen() as first:
        await first.append_audit(_entry("command.help"))

    async with reopen() as second:
        assert [entry.action for entry in await second.latest_audit(5)] == ["command.help"]
