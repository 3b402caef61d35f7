"""Expected failures. Each one becomes a card that says what happened and what to do next.

Anything else that escapes a handler is unexpected: logged with a correlation id, and the user is told only
that id (see bot.teams_edge).
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An expected failure, shown to the user as a card with a next step."""

    title = "That did not work"
    kind = "error"

    def __init__(self, message: str, *, next_step: str = "", title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.next_step = next_step
        if title:
            self.title = title


class NotAllowed(UserFacingError):
    title = "Not allowed"
    kind = "not_allowed"


class NotFound(UserFacingError):
    title = "Not found"
    kind = "not_found"


class InvalidInput(UserFacingError):
    title = "Check your input"
    kind = "invalid_input"


class AlreadyExists(UserFacingError):
    title = "Already exists"
    kind = "already_exists"


class ServiceUnavailable(UserFacingError):
    title = "Service unavailable"
    kind = "service_unavailable"


class NotConfigured(UserFacingError):
    title = "Not configured"
    kind = "not_configured"
