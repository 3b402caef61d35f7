"""What only ``SqliteStore`` promises: in-memory use, files and folders, schema, WAL, worker thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import ConfirmationToken, ETagConflict, open_store
from bot.store.sqlite import SqliteStore
from bot.store.sqlite_schema import MIGRATIONS, SCHEMA_VERSION, SchemaTooNew

pytestmark = pytest.mark.asyncio

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


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
        versions = conn.execute("SELECT version FROM schema_version").fetchall()
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def _database_at_version(path: Path, version: int) -> sqlite3.Connection:
    """A database as an older bot left it: the first ``version`` migrations applied, nothing more."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        conn.executescript(script)
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
    return conn


async def test_sqlite_v1_database_opens_and_keeps_its_confirmations(tmp_path: Path) -> None:
    conn = _database_at_version(tmp_path / "bot.db", 1)
    conn.execute(
        "INSERT INTO confirmations (token, verb, requested_by, payload, expires_at) VALUES (?, ?, ?, ?, ?)",
        ("tok-1", "repo.create", "aad-1", '{"data": {"name": "x"}}', "2025-03-01T12:05:00.000000+00:00"),
    )
    conn.close()

    store = await SqliteStore.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        taken = await store.take_confirmation("tok-1", NOW)
    finally:
        await store.close()

    assert taken == ConfirmationToken(token="tok-1", operation="repo.create", requested_by="aad-1",
                                      payload={"data": {"name": "x"}}, expires_at=NOW + timedelta(minutes=5))


async def test_sqlite_database_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    conn = _database_at_version(tmp_path / "bot.db", SCHEMA_VERSION)
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION + 1,))
    conn.close()

    with pytest.raises(SchemaTooNew):
        await SqliteStore.open(f"sqlite:///{tmp_path / 'bot.db'}")


async def test_sqlite_two_connections_take_exactly_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    one, two = await SqliteStore.open(url), await SqliteStore.open(url)
    token = ConfirmationToken(token="tok-1", operation="repo.delete", requested_by="aad-1", payload={"repo": "x"},
                              expires_at=NOW + timedelta(minutes=5))
    try:
        await one.put_confirmation(token)
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
