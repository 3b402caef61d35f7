"""``SqliteStore``: the embedded implementation of every store concern (stdlib ``sqlite3``).

Threading model: one connection, used only from one dedicated worker thread. Every public
method hands a small synchronous function to that thread and awaits it, so the event loop never
blocks on disk I/O and all work through one store is serialised. Writes run in ``BEGIN IMMEDIATE``
transactions, so they are also atomic against other processes sharing the same file (WAL mode,
busy timeout).

Timestamps are stored as fixed-width ISO 8601 UTC strings, which sort chronologically.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.store.audit import AuditEntry
from bot.store.journal import DuplicateIntent, RecordedWork, UnknownIntent, WorkIntent, WorkOutcome
from bot.store.leases import check_lease as _check_lease
from bot.store.lifecycle import StoreClosed
from bot.store.model_checks import ModelCheck
from bot.store.schedules import DigestSchedule
from bot.store.sqlite_schema import migrate
from bot.store.state import ETagConflict, StateItem
from bot.store.subscriptions import HookSubscription
from bot.store.tokens import ConfirmationToken

logger = logging.getLogger(__name__)

SEEN_RETENTION = timedelta(hours=24)
"""How long ``first_sighting`` remembers an activity key."""

CONFIRMATION_RETENTION = timedelta(hours=24)
"""How long an expired confirmation row is kept (for diagnosis) before it is pruned."""

BUSY_TIMEOUT_MS = 5000
URL_SCHEME = "sqlite"

_T = TypeVar("_T")


def path_from_url(url: str) -> str:
    """Return the database path of a ``sqlite:///<path>`` URL.

    ``sqlite:///./data/bot.db`` and ``sqlite:///data/bot.db`` are relative to the working
    directory, ``sqlite:////abs/bot.db`` is absolute, ``sqlite:///:memory:`` is in memory.
    """
    prefix = f"{URL_SCHEME}://"
    if not url.lower().startswith(prefix):
        raise ValueError(f"not a {URL_SCHEME}:// URL")
    rest = url[len(prefix) :]
    if not rest.startswith("/"):
        raise ValueError("sqlite URL must look like sqlite:///relative/path or sqlite:////absolute/path")
    path = rest[1:]
    if not path:
        raise ValueError("sqlite URL has no database path")
    return path


def check_url(url: str, connection_string: str = "") -> None:
    """Raise ``ValueError`` unless ``url`` is a well-formed ``sqlite:///<path>`` URL (see bot.store.url); a
    ``connection_string`` is not used."""
    path_from_url(url)


async def open_url(url: str, connection_string: str = "") -> SqliteStore:
    """Open the store of a ``sqlite:///<path>`` URL (the backend's entry point, see bot.store.url); a SQLite file
    needs no ``connection_string`` (it is ignored)."""
    return await SqliteStore.open(url)


def _utc_text(moment: datetime) -> str:
    """Fixed-width UTC text for a timezone-aware datetime (naive ones are refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _from_utc_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _new_etag() -> str:
    return uuid.uuid4().hex


def _audit_entry(
    seq: int,
    at: str,
    actor_id: str,
    actor_name: str,
    action: str,
    target: str,
    conversation_id: str,
    outcome: str,
    detail: str,
    correlation_id: str,
) -> AuditEntry:
    """An ``AuditEntry`` from an audit row (columns in table order)."""
    return AuditEntry(
        seq=seq,
        at=_from_utc_text(at),
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        target=target,
        conversation_id=conversation_id,
        outcome=outcome,
        detail=detail,
        correlation_id=correlation_id,
    )


def _recorded_work(
    work_id: str,
    operation: str,
    requested_by: str,
    conversation_id: str,
    card_activity_id: str,
    at: str,
    data: str,
    outcome: str | None,
    outcome_at: str | None,
    detail: str | None,
) -> RecordedWork:
    """A ``RecordedWork`` from a work_journal row (columns in table order)."""
    intent = WorkIntent(
        id=work_id,
        operation=operation,
        requested_by=requested_by,
        conversation_id=conversation_id,
        card_activity_id=card_activity_id,
        at=_from_utc_text(at),
        data=json.loads(data),
    )
    if outcome is None:
        return RecordedWork(intent)
    return RecordedWork(intent, WorkOutcome(outcome=outcome, at=_from_utc_text(outcome_at), detail=detail or ""))


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken up front (``BEGIN IMMEDIATE``): commit on success, else roll back."""
    conn.execute("BEGIN IMMEDIATE")
    committed = False
    try:
        yield conn
        conn.execute("COMMIT")
        committed = True
    finally:
        if not committed and conn.in_transaction:
            conn.execute("ROLLBACK")


def _insert_once(conn: sqlite3.Connection, sql: str, row: tuple[Any, ...], duplicate: Exception) -> None:
    """Inserts ``row``; a row with the same key raises ``duplicate`` (and nothing is written)."""
    with _transaction(conn):
        try:
            conn.execute(sql, row)
        except sqlite3.IntegrityError as exc:
            raise duplicate from exc


class SqliteStore:
    """Every store concern on an embedded SQLite database (see ``bot.store.base.Store``)."""

    def __init__(self, path: str | Path) -> None:
        """Prepare a store on ``path`` (``":memory:"`` for a private in-memory database).

        Nothing touches the disk here: the connection is opened and the schema created on the
        worker thread by the first call (``open`` does that eagerly).
        """
        self._path = str(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    @classmethod
    async def open(cls, url: str) -> SqliteStore:
        """Open (creating parent folders, file and schema as needed) the store of a sqlite:/// URL."""
        path = path_from_url(url)
        store = cls(path)
        try:
            if path != ":memory:":
                await store._call(lambda: Path(path).parent.mkdir(parents=True, exist_ok=True))
            await store.ping()
        except BaseException:
            await store.close()  # no worker thread is left behind by a store that did not open
            raise
        return store

    @property
    def path(self) -> str:
        return self._path

    # ---- plumbing -------------------------------------------------------------------------

    async def _call(self, fn: Callable[[], _T]) -> _T:
        if self._closed:
            raise StoreClosed("store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def _with_conn(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        return await self._call(lambda: fn(self._connection()))

    def _connection(self) -> sqlite3.Connection:
        """The store's connection, opened on first use (worker thread only)."""
        if self._conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous = NORMAL")
            try:
                version = migrate(conn)
            except (sqlite3.Error, RuntimeError):
                conn.close()
                raise
            logger.info("sqlite store opened at %s (journal=%s, schema v%d)", self._path, mode, version)
            self._conn = conn
        return self._conn

    # ---- botbuilder state -----------------------------------------------------------------

    async def read_state(self, keys: list[str]) -> dict[str, StateItem]:
        keys = list(keys)
        if not keys:
            return {}
        return await self._with_conn(functools.partial(self._read_state, keys))

    @staticmethod
    def _read_state(keys: list[str], conn: sqlite3.Connection) -> dict[str, StateItem]:
        rows = conn.execute(
            "SELECT key, value, etag FROM state WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(keys),)
        )
        return {key: StateItem(value=json.loads(value), etag=etag) for key, value, etag in rows}

    async def write_state(self, changes: dict[str, tuple[dict[str, Any], str | None]]) -> dict[str, str]:
        if not changes:
            return {}
        encoded = {key: (_dumps(value), expected) for key, (value, expected) in changes.items()}
        return await self._with_conn(functools.partial(self._write_state, encoded))

    @staticmethod
    def _write_state(changes: dict[str, tuple[str, str | None]], conn: sqlite3.Connection) -> dict[str, str]:
        new_etags: dict[str, str] = {}
        with _transaction(conn):
            for key, (value, expected) in changes.items():
                if expected is not None and expected != "*":
                    row = conn.execute("SELECT etag FROM state WHERE key = ?", (key,)).fetchone()
                    if row is None or row[0] != expected:
                        logger.debug("eTag conflict on state key %s", key)
                        raise ETagConflict(f"state {key!r} was changed by someone else (stale eTag)")
                etag = _new_etag()
                conn.execute(
                    "INSERT INTO state (key, value, etag) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag",
                    (key, value, etag),
                )
                new_etags[key] = etag
        return new_etags

    async def delete_state(self, keys: list[str]) -> None:
        keys = list(keys)
        if keys:
            await self._with_conn(functools.partial(self._delete_state, keys))

    @staticmethod
    def _delete_state(keys: list[str], conn: sqlite3.Connection) -> None:
        with _transaction(conn):
            conn.executemany("DELETE FROM state WHERE key = ?", [(key,) for key in keys])

    # ---- conversation references ----------------------------------------------------------

    async def save_conversation_reference(self, key: str, reference: dict[str, Any]) -> bool:
        return await self._with_conn(functools.partial(self._save_reference, key, _dumps(reference), _utc_text(_now())))

    @staticmethod
    def _save_reference(key: str, ref: str, at: str, conn: sqlite3.Connection) -> bool:
        with _transaction(conn):
            inserted = conn.execute(
                "INSERT OR IGNORE INTO conversation_refs (key, ref, updated_at) VALUES (?, ?, ?)", (key, ref, at)
            ).rowcount
            if not inserted:
                conn.execute("UPDATE conversation_refs SET ref = ?, updated_at = ? WHERE key = ?", (ref, at, key))
        return bool(inserted)

    async def get_conversation_reference(self, key: str) -> dict[str, Any] | None:
        def run(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute("SELECT ref FROM conversation_refs WHERE key = ?", (key,)).fetchone()
            return None if row is None else json.loads(row[0])

        return await self._with_conn(run)

    async def delete_conversation_reference(self, key: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                return conn.execute("DELETE FROM conversation_refs WHERE key = ?", (key,)).rowcount == 1

        return await self._with_conn(run)

    async def list_conversation_references(self) -> dict[str, dict[str, Any]]:
        def run(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
            rows = conn.execute("SELECT key, ref FROM conversation_refs ORDER BY key")
            return {key: json.loads(ref) for key, ref in rows}

        return await self._with_conn(run)

    # ---- audit trail ------------------------------------------------------------------------

    async def append_audit(self, entry: AuditEntry) -> AuditEntry:
        at = entry.at if entry.at is not None else _now()
        stored = dataclasses.replace(entry, at=_from_utc_text(_utc_text(at)), seq=None)
        row = (
            _utc_text(at),
            entry.actor_id,
            entry.actor_name,
            entry.action,
            entry.target,
            entry.conversation_id,
            entry.outcome,
            entry.detail,
            entry.correlation_id,
        )

        def run(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                cursor = conn.execute(
                    "INSERT INTO audit (at, actor_id, actor_name, action, target, conversation_id, outcome, "
                    "detail, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                return int(cursor.lastrowid)

        seq = await self._with_conn(run)
        return dataclasses.replace(stored, seq=seq)

    async def latest_audit(self, limit: int) -> list[AuditEntry]:
        if limit <= 0:
            return []

        def run(conn: sqlite3.Connection) -> list[AuditEntry]:
            rows = conn.execute(
                "SELECT seq, at, actor_id, actor_name, action, target, conversation_id, outcome, detail, "
                "correlation_id FROM audit ORDER BY seq DESC LIMIT ?",
                (limit,),
            )
            return [_audit_entry(*row) for row in rows]

        return await self._with_conn(run)

    # ---- confirmation tokens ----------------------------------------------------------------

    async def put_confirmation(self, token: ConfirmationToken) -> None:
        row = (
            token.token,
            token.operation,
            token.requested_by,
            _dumps(token.payload),
            None if token.expires_at is None else _utc_text(token.expires_at),
        )

        await self._with_conn(lambda conn: _insert_once(
            conn, "INSERT INTO confirmations (token, operation, requested_by, payload, expires_at) "
            "VALUES (?, ?, ?, ?, ?)", row, ValueError("confirmation token already exists")))

    async def peek_confirmation(self, token: str, now: datetime) -> ConfirmationToken | None:
        now_text = _utc_text(now)

        def run(conn: sqlite3.Connection) -> ConfirmationToken | None:
            return self._live_confirmation(conn, token, now_text)

        return await self._with_conn(run)

    async def take_confirmation(self, token: str, now: datetime) -> ConfirmationToken | None:
        now_text = _utc_text(now)
        prune_before = _utc_text(now - CONFIRMATION_RETENTION)

        def run(conn: sqlite3.Connection) -> ConfirmationToken | None:
            with _transaction(conn):
                found = self._live_confirmation(conn, token, now_text)
                if found is not None:
                    used = conn.execute(
                        "UPDATE confirmations SET used_at = ? WHERE token = ? AND used_at IS NULL", (now_text, token)
                    ).rowcount
                    found = found if used == 1 else None
                conn.execute("DELETE FROM confirmations WHERE expires_at < ?", (prune_before,))
                return found

        return await self._with_conn(run)

    @staticmethod
    def _live_confirmation(conn: sqlite3.Connection, token: str, now_text: str) -> ConfirmationToken | None:
        row = conn.execute(
            "SELECT token, operation, requested_by, payload, expires_at FROM confirmations "
            "WHERE token = ? AND used_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
            (token, now_text),
        ).fetchone()
        if row is None:
            return None
        token_id, operation, requested_by, payload, expires_at = row
        return ConfirmationToken(
            token=token_id,
            operation=operation,
            requested_by=requested_by,
            payload=json.loads(payload),
            expires_at=_from_utc_text(expires_at),
        )

    # ---- activity de-duplication ------------------------------------------------------------

    async def first_sighting(self, activity_key: str, now: datetime) -> bool:
        now_text = _utc_text(now)
        prune_before = _utc_text(now - SEEN_RETENTION)

        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                conn.execute("DELETE FROM seen_activities WHERE seen_at <= ?", (prune_before,))
                return (
                    conn.execute(
                        "INSERT OR IGNORE INTO seen_activities (key, seen_at) VALUES (?, ?)", (activity_key, now_text)
                    ).rowcount
                    == 1
                )

        return await self._with_conn(run)

    # ---- work journal ---------------------------------------------------------------------------

    async def record_intent(self, intent: WorkIntent) -> None:
        if not intent.id or not intent.operation:
            raise ValueError("a work intent needs an id and an operation")
        try:
            data = _dumps(intent.data)
        except TypeError as exc:
            raise ValueError("a work intent's data must be JSON-compatible") from exc
        row = (
            intent.id,
            intent.operation,
            intent.requested_by,
            intent.conversation_id,
            intent.card_activity_id,
            _utc_text(intent.at),
            data,
        )

        await self._with_conn(lambda conn: _insert_once(
            conn, "INSERT INTO work_journal (id, operation, requested_by, conversation_id, card_activity_id, at, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", row, DuplicateIntent("a work intent with this id is already recorded")))

    async def record_outcome(self, intent_id: str, outcome: WorkOutcome) -> bool:
        if not outcome.outcome:
            raise ValueError("a work outcome must not be empty")
        row = (outcome.outcome, _utc_text(outcome.at), outcome.detail, intent_id)

        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                updated = conn.execute(
                    "UPDATE work_journal SET outcome = ?, outcome_at = ?, detail = ? WHERE id = ? AND outcome IS NULL",
                    row,
                ).rowcount
                if updated:
                    return True
                if conn.execute("SELECT 1 FROM work_journal WHERE id = ?", (intent_id,)).fetchone() is None:
                    raise UnknownIntent("no work intent with this id was recorded")
                return False

        return await self._with_conn(run)

    async def unfinished_intents(self) -> list[WorkIntent]:
        def run(conn: sqlite3.Connection) -> list[WorkIntent]:
            rows = conn.execute(
                "SELECT id, operation, requested_by, conversation_id, card_activity_id, at, data, outcome, outcome_at, "
                "detail FROM work_journal WHERE outcome IS NULL ORDER BY at, rowid"
            )
            return [_recorded_work(*row).intent for row in rows]

        return await self._with_conn(run)

    async def get_work(self, intent_id: str) -> RecordedWork | None:
        def run(conn: sqlite3.Connection) -> RecordedWork | None:
            row = conn.execute(
                "SELECT id, operation, requested_by, conversation_id, card_activity_id, at, data, outcome, outcome_at, "
                "detail FROM work_journal WHERE id = ?",
                (intent_id,),
            ).fetchone()
            return None if row is None else _recorded_work(*row)

        return await self._with_conn(run)

    # ---- model check results ------------------------------------------------------------------

    async def put_model_check(self, check: ModelCheck) -> bool:
        if not check.key:
            raise ValueError("a model check needs a key")
        try:
            result = _dumps(check.result)
        except TypeError as exc:
            raise ValueError(f"a model check result must be JSON-compatible: {exc}") from None
        row = (check.key, result, _utc_text(check.checked_at))

        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                inserted = conn.execute("INSERT OR IGNORE INTO model_checks (key, result, checked_at) "
                                        "VALUES (?, ?, ?)", row)
                return inserted.rowcount == 1

        return await self._with_conn(run)

    async def get_model_check(self, key: str) -> ModelCheck | None:
        def run(conn: sqlite3.Connection) -> ModelCheck | None:
            row = conn.execute("SELECT key, result, checked_at FROM model_checks WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            checked_at = _from_utc_text(row[2])
            assert checked_at is not None
            return ModelCheck(row[0], json.loads(row[1]), checked_at)

        return await self._with_conn(run)

    # ---- service hook subscriptions ------------------------------------------------------------

    @staticmethod
    def _hook_subscription(row: tuple[Any, ...]) -> HookSubscription:
        created_at = _from_utc_text(row[9])
        assert created_at is not None
        return HookSubscription(row[0], row[1], row[2], row[3], row[4], bool(row[5]), tuple(json.loads(row[6])),
                                row[7], row[8], created_at, row[10])

    async def add_hook_subscription(self, subscription: HookSubscription) -> None:
        if not subscription.id or not subscription.conversation_id:
            raise ValueError("a hook subscription needs an id and a conversation")
        row = (subscription.id, subscription.conversation_id, subscription.kind, subscription.definition,
               subscription.stage, int(subscription.failures_only), _dumps(list(subscription.devops_ids)),
               subscription.secret_hash, subscription.created_by, _utc_text(subscription.created_at))
        await self._with_conn(lambda conn: _insert_once(
            conn, "INSERT INTO hook_subscriptions (id, conversation_id, kind, definition, stage, failures_only, "
            "devops_ids, secret_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row,
            ValueError(f"hook subscription {subscription.id} is stored already")))

    async def get_hook_subscription(self, subscription_id: str) -> HookSubscription | None:
        def run(conn: sqlite3.Connection) -> HookSubscription | None:
            row = conn.execute("SELECT id, conversation_id, kind, definition, stage, failures_only, devops_ids, "
                               "secret_hash, created_by, created_at, paused FROM hook_subscriptions WHERE id = ?",
                               (subscription_id,)).fetchone()
            return None if row is None else self._hook_subscription(row)

        return await self._with_conn(run)

    async def list_hook_subscriptions(self, conversation_id: str) -> list[HookSubscription]:
        def run(conn: sqlite3.Connection) -> list[HookSubscription]:
            rows = conn.execute("SELECT id, conversation_id, kind, definition, stage, failures_only, devops_ids, "
                                "secret_hash, created_by, created_at, paused FROM hook_subscriptions "
                                "WHERE conversation_id = ? "
                                "ORDER BY created_at, rowid", (conversation_id,)).fetchall()
            return [self._hook_subscription(row) for row in rows]

        return await self._with_conn(run)

    async def delete_hook_subscription(self, subscription_id: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                return conn.execute("DELETE FROM hook_subscriptions WHERE id = ?", (subscription_id,)).rowcount == 1

        return await self._with_conn(run)

    async def pause_hook_subscriptions(self, conversation_id: str, reason: str) -> int:
        if not reason:
            raise ValueError("a pause needs a reason")

        def run(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                return conn.execute("UPDATE hook_subscriptions SET paused = ? WHERE conversation_id = ? AND "
                                    "paused = ''", (reason, conversation_id)).rowcount

        return await self._with_conn(run)

    async def resume_hook_subscriptions(self, conversation_id: str) -> int:
        def run(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                return conn.execute("UPDATE hook_subscriptions SET paused = '' WHERE conversation_id = ? AND "
                                    "paused != ''", (conversation_id,)).rowcount

        return await self._with_conn(run)

    # ---- digest schedules ---------------------------------------------------------------------

    @staticmethod
    def _schedule(row: tuple[Any, ...]) -> DigestSchedule:
        conversation_id, kind, at, zone, created_by, created_at, last_due, paused, paused_at = row
        created = _from_utc_text(created_at)
        assert created is not None
        return DigestSchedule(conversation_id=conversation_id, kind=kind, at=at, zone=zone, created_by=created_by,
                              created_at=created, last_due=_from_utc_text(last_due), paused=paused,
                              paused_at=_from_utc_text(paused_at))

    async def put_schedule(self, schedule: DigestSchedule) -> None:
        if not schedule.conversation_id:
            raise ValueError("a digest schedule needs a conversation id")
        row = (schedule.conversation_id, schedule.kind, schedule.at, schedule.zone, schedule.created_by,
               _utc_text(schedule.created_at), None if schedule.last_due is None else _utc_text(schedule.last_due))

        def run(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.execute(
                    "INSERT INTO digest_schedules (conversation_id, kind, at, zone, created_by, created_at, last_due, "
                    "paused, paused_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', NULL) "
                    "ON CONFLICT (conversation_id) DO UPDATE SET kind = excluded.kind, at = excluded.at, "
                    "zone = excluded.zone, created_by = excluded.created_by, created_at = excluded.created_at, "
                    "paused = '', paused_at = NULL", row)

        await self._with_conn(run)

    async def get_schedule(self, conversation_id: str) -> DigestSchedule | None:
        def run(conn: sqlite3.Connection) -> DigestSchedule | None:
            row = conn.execute("SELECT conversation_id, kind, at, zone, created_by, created_at, last_due, paused, "
                               "paused_at FROM digest_schedules WHERE conversation_id = ?",
                               (conversation_id,)).fetchone()
            return None if row is None else self._schedule(row)

        return await self._with_conn(run)

    async def delete_schedule(self, conversation_id: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                return conn.execute("DELETE FROM digest_schedules WHERE conversation_id = ?",
                                    (conversation_id,)).rowcount == 1

        return await self._with_conn(run)

    async def list_schedules(self) -> list[DigestSchedule]:
        def run(conn: sqlite3.Connection) -> list[DigestSchedule]:
            rows = conn.execute("SELECT conversation_id, kind, at, zone, created_by, created_at, last_due, paused, "
                                "paused_at FROM digest_schedules ORDER BY conversation_id")
            return [self._schedule(row) for row in rows]

        return await self._with_conn(run)

    async def claim_digest(self, conversation_id: str, due: datetime) -> bool:
        due_text = _utc_text(due)

        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                return conn.execute(
                    "UPDATE digest_schedules SET last_due = ? WHERE conversation_id = ? AND paused = '' "
                    "AND (last_due IS NULL OR last_due < ?)", (due_text, conversation_id, due_text)).rowcount == 1

        return await self._with_conn(run)

    async def pause_schedule(self, conversation_id: str, reason: str, at: datetime) -> bool:
        if not reason:
            raise ValueError("a pause needs a reason")
        at_text = _utc_text(at)

        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                return conn.execute(
                    "UPDATE digest_schedules SET paused = ?, paused_at = ? WHERE conversation_id = ? AND paused = ''",
                    (reason, at_text, conversation_id)).rowcount == 1

        return await self._with_conn(run)

    # ---- leases ---------------------------------------------------------------------------------

    async def acquire_lease(self, name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
        _check_lease(name, holder, ttl)
        row = (name, holder, _utc_text(now + ttl), _utc_text(now))

        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                return conn.execute(
                    "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE "
                    "SET holder = ?2, expires_at = ?3 WHERE leases.holder = ?2 OR leases.expires_at <= ?4",
                    row).rowcount == 1

        return await self._with_conn(run)

    async def renew_lease(self, name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
        _check_lease(name, holder, ttl)
        row = (_utc_text(now + ttl), name, holder, _utc_text(now))

        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                return conn.execute("UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ? "
                                    "AND expires_at > ?", row).rowcount == 1

        return await self._with_conn(run)

    async def release_lease(self, name: str, holder: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            with _transaction(conn):
                return conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder)).rowcount == 1

        return await self._with_conn(run)

    async def lease_holder(self, name: str, now: datetime) -> str | None:
        now_text = _utc_text(now)

        def run(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT holder FROM leases WHERE name = ? AND expires_at > ?",
                               (name, now_text)).fetchone()
            return None if row is None else row[0]

        return await self._with_conn(run)

    # ---- lifecycle ----------------------------------------------------------------------------

    async def ping(self) -> None:
        await self._with_conn(lambda conn: conn.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        """Close the connection and stop the worker thread; later calls raise ``StoreClosed``."""
        if self._closed:
            return

        def run() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        try:
            await self._call(run)
        finally:
            self._closed = True
            self._executor.shutdown(wait=False)
            logger.info("sqlite store at %s closed", self._path)
