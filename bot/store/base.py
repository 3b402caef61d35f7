"""The Store port: everything the bot keeps between turns, behind one small interface.

Implementations: ``bot.store.sqlite.SqliteStore`` (embedded default). A scale-out Azure Blob
implementation comes later and must pass the same contract tests (tests/store/).
All methods are async and never block the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class ETagConflict(Exception):
    """A write carried an eTag that is no longer the stored one (optimistic concurrency).

    Also raised by ``bot.store.bot_state.StoreBackedStorage.write`` for a stale botbuilder ``e_tag``.
    """


@dataclass(frozen=True)
class StateItem:
    value: dict[str, Any]  # JSON-compatible; a fresh copy on every read
    etag: str  # opaque; changes on every write


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit trail: who did what, where, when, with which outcome."""

    actor_id: str  # Entra object id when known, else the channel user id
    actor_name: str
    action: str  # e.g. "command.help", "repo.create", "auth.tenant_rejected"
    target: str  # what it acted on ("" when nothing)
    conversation_id: str
    outcome: str  # "ok" | "refused" | "failed" | "cancelled" | ...
    detail: str = ""
    correlation_id: str = ""
    at: datetime | None = None  # set by the store when None
    seq: int | None = None  # set by the store


@dataclass(frozen=True)
class ConfirmationToken:
    token: str
    verb: str
    requested_by: str  # Entra object id (or channel user id) of the person who asked
    payload: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


class Store(Protocol):
    # botbuilder conversation/user state, with real optimistic concurrency
    async def read_state(self, keys: list[str]) -> dict[str, StateItem]: ...
    async def write_state(self, changes: dict[str, tuple[dict[str, Any], str | None]]) -> dict[str, str]:
        """Write each key. The tuple's second element is the expected eTag: None or "*" writes
        unconditionally; any other value must equal the stored eTag (or ETagConflict is raised and
        nothing in the batch is written; a key that does not exist has no eTag to match). Values must
        be JSON-compatible. Returns the new eTags (opaque strings, new on every write)."""
        ...

    async def delete_state(self, keys: list[str]) -> None:
        """Removes the keys; missing keys are ignored."""
        ...

    # conversation references for proactive messages
    async def save_conversation_reference(self, key: str, reference: dict[str, Any]) -> bool:
        """Stores or replaces; returns True when the key was new."""
        ...

    async def get_conversation_reference(self, key: str) -> dict[str, Any] | None: ...

    async def delete_conversation_reference(self, key: str) -> bool:
        """Forgets a conversation (the bot was uninstalled there); True when it was known."""
        ...
    async def list_conversation_references(self) -> dict[str, dict[str, Any]]: ...

    # audit trail (append-only)
    async def append_audit(self, entry: AuditEntry) -> AuditEntry:
        """Appends the entry; returns it with ``seq`` (increasing) and ``at`` (UTC, now when None) set.
        There is deliberately no way to change or remove an entry."""
        ...
    async def latest_audit(self, limit: int) -> list[AuditEntry]:
        """Newest first."""
        ...

    # single-use, expiring confirmation tokens
    async def put_confirmation(self, token: ConfirmationToken) -> None:
        """Stores a new token (``expires_at`` None: never expires). ValueError if the token exists."""
        ...
    async def peek_confirmation(self, token: str, now: datetime) -> ConfirmationToken | None:
        """The token if it exists and has not expired, without using it up."""
        ...

    async def take_confirmation(self, token: str, now: datetime) -> ConfirmationToken | None:
        """Atomically uses the token up: returns it once if unexpired, None afterwards."""
        ...

    # de-duplication of retried activities
    async def first_sighting(self, activity_key: str, now: datetime) -> bool:
        """True the first time this key is seen (within a retention window of 24 h), False after."""
        ...

    # All datetimes are timezone-aware; stores return them in UTC and refuse naive ones (ValueError).

    async def ping(self) -> None:
        """Raises when the store cannot serve (for /readyz)."""
        ...

    async def close(self) -> None:
        """Releases resources; idempotent. Calls after close raise."""
        ...
