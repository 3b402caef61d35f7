"""Digest schedules: one per conversation (daily or on weekdays at a local time in an IANA zone), with the last due
time sent for it, so each due time is sent once, across restarts and instances (bot/scheduler.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class DigestSchedule:
    conversation_id: str
    kind: str  # "daily" | "weekdays"
    at: str  # local time of day, "HH:MM"
    zone: str  # IANA time zone, e.g. "Europe/Berlin"
    created_by: str  # the actor's key (Entra object id)
    created_at: datetime  # due times before this are never sent
    last_due: datetime | None = None  # the newest due time claimed (sent, or being sent)
    paused: str = ""  # why it is paused ("" = active), e.g. the bot was removed from the conversation
    paused_at: datetime | None = None


@runtime_checkable
class DigestSchedules(Protocol):
    """At most one schedule per conversation id."""

    async def put_schedule(self, schedule: DigestSchedule) -> None:
        """Stores or replaces the conversation's schedule, active again (a pause is lifted). The stored
        ``last_due`` is kept when the conversation had a schedule (a due time sent is never sent again); the
        one given is used otherwise. ``ValueError`` for an empty conversation id or naive datetimes."""
        ...

    async def get_schedule(self, conversation_id: str) -> DigestSchedule | None:
        """The conversation's schedule, paused or not; None when it has none."""
        ...

    async def delete_schedule(self, conversation_id: str) -> bool:
        """Removes it; True when there was one."""
        ...

    async def list_schedules(self) -> list[DigestSchedule]:
        """Every schedule (paused ones too), by conversation id."""
        ...

    async def claim_digest(self, conversation_id: str, due: datetime) -> bool:
        """Atomically marks ``due`` sent: True (and ``last_due`` becomes ``due``) only when the schedule exists, is
        active and ``due`` is newer than its ``last_due``; False otherwise (marked already, by this instance or
        another). The scheduler marks a due time after sending it, under the conversation's digest lease."""
        ...

    async def pause_schedule(self, conversation_id: str, reason: str, at: datetime) -> bool:
        """Pauses it with a reason (e.g. Teams answered 403: the bot was removed); True when it was active."""
        ...
