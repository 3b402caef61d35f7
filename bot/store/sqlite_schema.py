"""SQLite schema of ``SqliteStore`` and its forward-only migrations.

Each entry of ``MIGRATIONS`` brings the database from version ``n - 1`` to ``n``. A database whose
version is newer than this code knows is refused rather than guessed at.
"""

from __future__ import annotations

import logging
import sqlite3

logger = logging.getLogger(__name__)

_V1 = """
CREATE TABLE state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL,          -- JSON object
    etag  TEXT NOT NULL
);

CREATE TABLE conversation_refs (
    key        TEXT PRIMARY KEY,
    ref        TEXT NOT NULL,     -- JSON object
    updated_at TEXT NOT NULL      -- ISO 8601, UTC
);

CREATE TABLE audit (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    target          TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    detail          TEXT NOT NULL,
    correlation_id  TEXT NOT NULL
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only: rows cannot be updated');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only: rows cannot be deleted');
END;

CREATE TABLE confirmations (
    token        TEXT PRIMARY KEY,
    verb         TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    payload      TEXT NOT NULL,   -- JSON object
    expires_at   TEXT,            -- NULL: never expires
    used_at      TEXT             -- NULL: not used yet
);
CREATE INDEX confirmations_expires_at ON confirmations (expires_at);

CREATE TABLE seen_activities (
    key     TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
);
CREATE INDEX seen_activities_seen_at ON seen_activities (seen_at);
"""

# v2: the confirmations' "verb" column holds an operation name ("repo.create"): call it that.
_V2 = """
ALTER TABLE confirmations RENAME COLUMN verb TO operation;
"""

# v3: the work journal (bot.store.journal): an intent before confirmed work starts, its outcome after.
_V3 = """
CREATE TABLE work_journal (
    id               TEXT PRIMARY KEY,
    operation        TEXT NOT NULL,
    requested_by     TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    card_activity_id TEXT NOT NULL,
    at               TEXT NOT NULL,   -- when the intent was recorded
    data             TEXT NOT NULL,   -- JSON object, never secrets
    outcome          TEXT,            -- NULL: not finished
    outcome_at       TEXT,
    detail           TEXT
);
CREATE INDEX work_journal_unfinished ON work_journal (at) WHERE outcome IS NULL;

CREATE TRIGGER work_journal_intent_is_fixed
BEFORE UPDATE OF id, operation, requested_by, conversation_id, card_activity_id, at, data ON work_journal
BEGIN
    SELECT RAISE(ABORT, 'work journal: a recorded intent cannot be changed');
END;

CREATE TRIGGER work_journal_outcome_once BEFORE UPDATE ON work_journal WHEN OLD.outcome IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'work journal: an outcome is recorded once');
END;
"""

# v4: model check results by key (bot.store.model_checks).
_V4 = """
CREATE TABLE model_checks (
    key TEXT PRIMARY KEY,
    result TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
"""

# v5: service hook subscriptions of conversations (bot.store.subscriptions); the secret only as its hash.
_V5 = """
CREATE TABLE hook_subscriptions (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    kind            TEXT NOT NULL,
    definition      TEXT NOT NULL,
    stage           TEXT NOT NULL,
    failures_only   INTEGER NOT NULL,
    devops_ids      TEXT NOT NULL,   -- JSON array of Azure DevOps subscription ids
    secret_hash     TEXT NOT NULL,   -- SHA-256 hex of the delivery secret
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX hook_subscriptions_conversation ON hook_subscriptions (conversation_id, created_at);
"""

# v6: digest schedules (bot.store.schedules), one per conversation, with the last due time claimed.
_V6 = """
CREATE TABLE digest_schedules (
    conversation_id TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,   -- daily | weekdays
    at              TEXT NOT NULL,   -- HH:MM, local
    zone            TEXT NOT NULL,   -- IANA time zone
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_due        TEXT,            -- NULL: nothing claimed yet
    paused          TEXT NOT NULL DEFAULT '',
    paused_at       TEXT
);
"""

# v7: a hook subscription paused when the bot could not post in its conversation (the reason; "" = active).
_V7 = """
ALTER TABLE hook_subscriptions ADD COLUMN paused TEXT NOT NULL DEFAULT '';
"""

# v8: leases (bot.store.leases): one holder at a time for a named piece of work, until it expires.
_V8 = """
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL      -- ISO 8601, UTC
);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The database was written by a newer version of the bot than this one."""


def migrate(conn: sqlite3.Connection) -> int:
    """Create or upgrade the schema in one transaction; returns the resulting version.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    conn.execute("BEGIN IMMEDIATE")
    committed = False
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        current = row[0] or 0
        if current > SCHEMA_VERSION:
            raise SchemaTooNew(f"database schema version {current} is newer than supported {SCHEMA_VERSION}")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            logger.info("applying store schema migration %d", version)
            for statement in _split_statements(MIGRATIONS[version - 1]):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        conn.execute("COMMIT")
        committed = True
    finally:
        if not committed:
            conn.execute("ROLLBACK")
    return SCHEMA_VERSION


def _split_statements(script: str) -> list[str]:
    """Split a script into complete statements (``executescript`` would commit our transaction)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()[:80]}")
    return statements
