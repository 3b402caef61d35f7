"""Single-use, expiring confirmation tokens: the "are you sure?" of a confirmation card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ConfirmationToken:
    """A pending confirmation: which operation, asked by whom, with what data, until when."""

    token: str
    operation: str  # the registered operation's name, e.g. "repo.create"
    requested_by: str  # Entra object id (or channel user id) of the person who asked
    payload: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


@runtime_checkable
class SingleUseTokens(Protocol):
    """Confirmation tokens that can be used up exactly once, and expire."""

    async def put_confirmation(self, token: ConfirmationToken) -> None:
        """Stores a new token (``expires_at`` None: never expires). ValueError if the token exists."""
        ...

    async def peek_confirmation(self, token: str, now: datetime) -> ConfirmationToken | None:
        """The token if it exists and has not expired, without using it up."""
        ...

    async def take_confirmation(self, token: str, now: datetime) -> ConfirmationToken | None:
        """Atomically uses the token up: returns it once if unexpired, None afterwards."""
        ...
