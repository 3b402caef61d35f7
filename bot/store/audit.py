"""The append-only audit trail: who did what, where, when, with which outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


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


@runtime_checkable
class AuditTrail(Protocol):
    """Append and read the audit trail; there is deliberately no way to change or remove an entry."""

    async def append_audit(self, entry: AuditEntry) -> AuditEntry:
        """Appends the entry; returns it with ``seq`` (increasing) and ``at`` (UTC, now when None) set.
        There is deliberately no way to change or remove an entry."""
        ...

    async def latest_audit(self, limit: int) -> list[AuditEntry]:
        """Newest first; at most ``limit`` entries (none for ``limit <= 0``)."""
        ...
