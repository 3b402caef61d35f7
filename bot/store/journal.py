"""The work journal: confirmed work is recorded before it starts and its outcome after, so a crash loses none.

After a crash, ``unfinished_intents`` is the work that was started but whose end nobody saw: it is checked
against the system it acted on, then finished or reported on its card (issue 8, item 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


class DuplicateIntent(ValueError):
    """An intent with this id is already in the journal."""


class UnknownIntent(LookupError):
    """No intent with this id was ever recorded."""


@dataclass(frozen=True)
class WorkIntent:
    """Work about to be done: which operation, with what data, for whom, and where its card is."""

    id: str  # unique, e.g. the confirmation token
    operation: str  # the registered operation's name, e.g. "repo.create"
    requested_by: str  # Entra object id (or channel user id) of the person who asked
    conversation_id: str
    card_activity_id: str  # the card to update with the outcome ("" when none)
    at: datetime  # when the intent was recorded
    data: dict[str, Any] = field(default_factory=dict)  # JSON-compatible; never secrets


@dataclass(frozen=True)
class WorkOutcome:
    """How recorded work ended."""

    outcome: str  # "ok" | "failed" | "refused" | ...; never empty
    at: datetime
    detail: str = ""


@dataclass(frozen=True)
class RecordedWork:
    """An intent and, once it ended, its outcome."""

    intent: WorkIntent
    outcome: WorkOutcome | None = None


@runtime_checkable
class WorkJournal(Protocol):
    """Intents before acting, outcomes after: each intent recorded once, its outcome at most once."""

    async def record_intent(self, intent: WorkIntent) -> None:
        """Records work before it starts. ``DuplicateIntent`` if the id exists; ``ValueError`` for an
        empty id or operation, a naive ``at`` or ``data`` that is not JSON-compatible. The caller leaves
        secrets out of ``data``: the journal keeps it as given."""
        ...

    async def record_outcome(self, intent_id: str, outcome: WorkOutcome) -> bool:
        """Records how the work ended, once: True when recorded; False when it already had an outcome
        (the first one stands, unchanged). ``UnknownIntent`` for an id never recorded; ``ValueError`` for
        an empty outcome or a naive ``at``."""
        ...

    async def unfinished_intents(self) -> list[WorkIntent]:
        """Intents without an outcome, oldest first (by ``at``, then in the order they were recorded)."""
        ...

    async def get_work(self, intent_id: str) -> RecordedWork | None:
        """The intent with its outcome (None while unfinished), or None for an id never recorded."""
        ...
