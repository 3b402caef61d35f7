"""Contract tests of the Store port; every implementation in conftest.BACKENDS must pass them."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.store import AuditEntry, ConfirmationToken, ETagConflict, Store, open_store
from bot.store.sqlite import SqliteStore, StoreClosed, path_from_url

pytestmark = pytest.mark.asyncio

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


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


def _token(token: str = "tok-1", expires_at: datetime | None = NOW + timedelta(minutes=5)) -> ConfirmationToken:
    return ConfirmationToken(
        token=token, verb="repo.delete", requested_by="aad-1", payload={"repo": "x", "n": [1, 2]}, expires_at=expires_at
    )


# ---- state --------------------------------------------------------------------------------------


async def test_state_round_trip(store: Store) -> None:
    value = {"count": 3, "nested": {"names": ["Zoë", "李"]}, "flag": True, "none": None}
    etags = await store.write_state({"a": (value, None)})

    items = await store.read_state(["a", "missing"])

    assert set(items) == {"a"}
    assert items["a"].value == value
    assert items["a"].etag == etags["a"]
    assert isinstance(etags["a"], str) and etags["a"]


async def test_read_returns_fresh_copies(store: Store) -> None:
    await store.write_state({"a": ({"list": [1]}, None)})
    first = await store.read_state(["a"])
    first["a"].value["list"].append(2)

    again = await store.read_state(["a"])

    assert again["a"].value == {"list": [1]}


async def test_etag_changes_on_every_write(store: Store) -> None:
    first = await store.write_state({"a": ({"v": 1}, None)})
    second = await store.write_state({"a": ({"v": 1}, first["a"])})

    assert second["a"] != first["a"]
    assert (await store.read_state(["a"]))["a"].etag == second["a"]


async def test_write_with_current_etag_succeeds(store: Store) -> None:
    etags = await store.write_state({"a": ({"v": 1}, None)})
    await store.write_state({"a": ({"v": 2}, etags["a"])})

    assert (await store.read_state(["a"]))["a"].value == {"v": 2}


async def test_stale_etag_fails_and_nothing_in_the_batch_is_written(store: Store) -> None:
    etags = await store.write_state({"a": ({"v": 1}, None), "b": ({"v": 1}, None)})
    await store.write_state({"b": ({"v": 2}, etags["b"])})  # makes etags["b"] stale

    with pytest.raises(ETagConflict):
        await store.write_state({"a": ({"v": 9}, etags["a"]), "c": ({"v": 9}, None), "b": ({"v": 9}, etags["b"])})

    items = await store.read_state(["a", "b", "c"])
    assert items["a"].value == {"v": 1} and items["a"].etag == etags["a"]
    assert items["b"].value == {"v": 2}
    assert "c" not in items


async def test_expected_etag_on_missing_key_conflicts(store: Store) -> None:
    with pytest.raises(ETagConflict):
        await store.write_state({"a": ({"v": 1}, "some-etag")})

    assert await store.read_state(["a"]) == {}


async def test_star_and_none_overwrite_unconditionally(store: Store) -> None:
    await store.write_state({"a": ({"v": 1}, None)})
    await store.write_state({"a": ({"v": 2}, "*")})
    assert (await store.read_state(["a"]))["a"].value == {"v": 2}

    await store.write_state({"a": ({"v": 3}, None)})
    assert (await store.read_state(["a"]))["a"].value == {"v": 3}


async def test_delete_state(store: Store) -> None:
    etags = await store.write_state({"a": ({"v": 1}, None), "b": ({"v": 1}, None)})

    await store.delete_state(["a", "never-existed"])

    assert set(await store.read_state(["a", "b"])) == {"b"}
    with pytest.raises(ETagConflict):
        await store.write_state({"a": ({"v": 2}, etags["a"])})


async def test_concurrent_writers_with_same_etag_exactly_one_wins(store: Store) -> None:
    etags = await store.write_state({"a": ({"writer": None}, None)})

    results = await asyncio.gather(
        *(store.write_state({"a": ({"writer": n}, etags["a"])}) for n in range(10)), return_exceptions=True
    )

    winners = [n for n, result in enumerate(results) if isinstance(result, dict)]
    assert len(winners) == 1
    assert all(isinstance(result, ETagConflict) for result in results if not isinstance(result, dict))
    assert (await store.read_state(["a"]))["a"].value == {"writer": winners[0]}


# ---- conversation references --------------------------------------------------------------------


async def test_conversation_references(store: Store) -> None:
    assert await store.get_conversation_reference("c1") is None
    assert await store.list_conversation_references() == {}

    assert await store.save_conversation_reference("c1", {"conversation": {"id": "c1"}, "v": 1}) is True
    assert await store.save_conversation_reference("c1", {"conversation": {"id": "c1"}, "v": 2}) is False
    assert await store.save_conversation_reference("c2", {"conversation": {"id": "c2"}}) is True

    assert await store.get_conversation_reference("c1") == {"conversation": {"id": "c1"}, "v": 2}
    assert await store.list_conversation_references() == {
        "c1": {"conversation": {"id": "c1"}, "v": 2},
        "c2": {"conversation": {"id": "c2"}},
    }

    assert await store.delete_conversation_reference("c1") is True
    assert await store.delete_conversation_reference("c1") is False
    assert await store.get_conversation_reference("c1") is None
    assert list(await store.list_conversation_references()) == ["c2"]
    assert await store.save_conversation_reference("c1", {"conversation": {"id": "c1"}}) is True  # new again


# ---- audit ----------------------------------------------------------------------------------------


async def test_audit_append_assigns_seq_and_at(store: Store) -> None:
    before = datetime.now(UTC)
    first = await store.append_audit(_entry("command.help", detail="d", correlation_id="corr-1"))
    second = await store.append_audit(_entry("repo.create"))

    assert first.seq is not None and second.seq is not None and second.seq > first.seq
    assert first.at is not None and first.at.tzinfo is not None and first.at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= first.at <= datetime.now(UTC) + timedelta(seconds=1)
    assert (first.action, first.detail, first.correlation_id) == ("command.help", "d", "corr-1")


async def test_audit_keeps_given_timestamp(store: Store) -> None:
    at = datetime(2025, 1, 2, 3, 4, 5, 678, tzinfo=timezone(timedelta(hours=2)))

    stored = await store.append_audit(_entry("command.help", at=at))
    [read] = await store.latest_audit(1)

    assert stored.at == at and read.at == at
    assert read.at.utcoffset() == timedelta(0)


async def test_audit_latest_is_newest_first(store: Store) -> None:
    for n in range(5):
        await store.append_audit(_entry(f"action.{n}", outcome="refused" if n % 2 else "ok"))

    latest = await store.latest_audit(3)

    assert [entry.action for entry in latest] == ["action.4", "action.3", "action.2"]
    assert latest[0] == _entry("action.4", at=latest[0].at, seq=latest[0].seq)
    assert latest[1].outcome == "refused"
    assert len(await store.latest_audit(100)) == 5
    assert await store.latest_audit(0) == []


async def test_audit_has_no_update_or_delete_method(store: Store) -> None:
    mutators = [
        name for name in dir(store) if "audit" in name and any(verb in name for verb in ("update", "delete", "remove"))
    ]
    assert mutators == []


async def test_audit_rows_cannot_be_changed_with_raw_sql(raw_sql: bool, store: Store, store_url: str) -> None:
    if not raw_sql:
        pytest.skip("no raw SQL access to this backend")
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


# ---- confirmations --------------------------------------------------------------------------------


async def test_confirmation_put_peek_take_single_use(store: Store) -> None:
    token = _token()
    await store.put_confirmation(token)

    assert await store.peek_confirmation("tok-1", NOW) == token
    assert await store.peek_confirmation("tok-1", NOW) == token  # peeking does not use it up
    assert await store.take_confirmation("tok-1", NOW) == token
    assert await store.take_confirmation("tok-1", NOW) is None
    assert await store.peek_confirmation("tok-1", NOW) is None
    assert await store.take_confirmation("unknown", NOW) is None


async def test_expired_confirmation_returns_none(store: Store) -> None:
    await store.put_confirmation(_token(expires_at=NOW + timedelta(minutes=5)))
    later = NOW + timedelta(minutes=5)

    assert await store.peek_confirmation("tok-1", later) is None
    assert await store.take_confirmation("tok-1", later) is None
    assert await store.take_confirmation("tok-1", NOW) is not None  # it was expiry, not use, that hid it


async def test_confirmation_without_expiry_never_expires(store: Store) -> None:
    await store.put_confirmation(_token(expires_at=None))

    assert await store.take_confirmation("tok-1", NOW + timedelta(days=3650)) == _token(expires_at=None)


async def test_confirmation_token_cannot_be_put_twice(store: Store) -> None:
    await store.put_confirmation(_token())
    await store.take_confirmation("tok-1", NOW)

    with pytest.raises(ValueError):
        await store.put_confirmation(_token())
    assert await store.take_confirmation("tok-1", NOW) is None


async def test_concurrent_take_exactly_one_wins(store: Store) -> None:
    await store.put_confirmation(_token())

    results = await asyncio.gather(*(store.take_confirmation("tok-1", NOW) for _ in range(20)))

    assert sum(result is not None for result in results) == 1


# ---- activity de-duplication -----------------------------------------------------------------------


async def test_first_sighting(store: Store) -> None:
    assert await store.first_sighting("act-1", NOW) is True
    assert await store.first_sighting("act-1", NOW + timedelta(seconds=1)) is False
    assert await store.first_sighting("act-2", NOW) is True
    assert await store.first_sighting("act-1", NOW + timedelta(hours=23)) is False


async def test_sightings_are_pruned_after_24_hours(store: Store) -> None:
    assert await store.first_sighting("act-1", NOW) is True

    assert await store.first_sighting("act-1", NOW + timedelta(hours=24, seconds=1)) is True
    assert await store.first_sighting("act-1", NOW + timedelta(hours=24, seconds=2)) is False


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.first_sighting("act-1", datetime(2025, 1, 1))


# ---- lifecycle --------------------------------------------------------------------------------------


async def test_ping(store: Store) -> None:
    await store.ping()


async def test_close(store_url: str) -> None:
    store = await open_store(store_url)
    await store.close()

    with pytest.raises(StoreClosed):
        await store.ping()
    await store.close()  # idempotent


async def test_persistence_across_reopen(store_url: str) -> None:
    first = await open_store(store_url)
    etags = await first.write_state({"a": ({"v": 1}, None)})
    await first.save_conversation_reference("c1", {"id": "c1"})
    await first.append_audit(_entry("command.help"))
    await first.put_confirmation(_token())
    await first.first_sighting("act-1", NOW)
    await first.close()

    second = await open_store(store_url)
    try:
        items = await second.read_state(["a"])
        assert (items["a"].value, items["a"].etag) == ({"v": 1}, etags["a"])
        assert await second.get_conversation_reference("c1") == {"id": "c1"}
        assert [entry.action for entry in await second.latest_audit(5)] == ["command.help"]
        assert await second.take_confirmation("tok-1", NOW) == _token()
        assert await second.first_sighting("act-1", NOW) is False
    finally:
        await second.close()


async def test_open_store_with_unknown_scheme() -> None:
    with pytest.raises(ValueError, match=r"supported schemes: sqlite://") as raised:
        await open_store("redis://user:s3cret@host/0")
    assert "s3cret" not in str(raised.value)

    with pytest.raises(ValueError, match="sqlite://"):
        await open_store("/just/a/path.db")


# ---- sqlite specifics ------------------------------------------------------------------------------


async def test_sqlite_in_memory_store() -> None:
    store = SqliteStore(":memory:")
    try:
        await store.write_state({"a": ({"v": 1}, None)})
        assert (await store.read_state(["a"]))["a"].value == {"v": 1}
    finally:
        await store.close()


async def test_sqlite_relative_url_creates_parent_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    store = await open_store("sqlite:///./data/nested/bot.db")
    await store.close()

    assert (tmp_path / "data" / "nested" / "bot.db").is_file()


async def test_sqlite_schema_version_and_wal(tmp_path: Path) -> None:
    store = await SqliteStore.open(f"sqlite:///{tmp_path / 'bot.db'}")
    await store.close()
    store = await SqliteStore.open(f"sqlite:///{tmp_path / 'bot.db'}")  # reopening migrates nothing
    await store.close()

    conn = sqlite3.connect(tmp_path / "bot.db")
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


async def test_sqlite_two_connections_take_exactly_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    one, two = await SqliteStore.open(url), await SqliteStore.open(url)
    try:
        await one.put_confirmation(_token())
        etags = await one.write_state({"a": ({"v": 0}, None)})

        takes = await asyncio.gather(*(store.take_confirmation("tok-1", NOW) for store in [one, two] * 10))
        writes = await asyncio.gather(
            *(store.write_state({"a": ({"v": n}, etags["a"])}) for n, store in enumerate([one, two] * 5)),
            return_exceptions=True,
        )
    finally:
        await one.close()
        await two.close()

    assert sum(result is not None for result in takes) == 1
    assert sum(isinstance(result, dict) for result in writes) == 1
    assert all(isinstance(result, (dict, ETagConflict)) for result in writes)


async def test_sqlite_work_runs_off_the_event_loop_thread() -> None:
    store = SqliteStore(":memory:")
    seen: list[int] = []
    try:
        await store._call(lambda: seen.append(threading.get_ident()))
    finally:
        await store.close()

    assert seen and seen[0] != threading.get_ident()
