"""Expected failures. Each one becomes a card that says what happened and what to do next.

Anything else that escapes a handler is unexpected: logged with a correlation id, and the user is told only
that id (see bot.teams_edge).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sign_in import SignInPrompt


@dataclass(frozen=True)
class ServiceAnswer:
    """What a service answered when a call failed, for handlers that look closer than the message."""

    status: int | None = None  # the HTTP status; None when no answer arrived
    type_key: str = ""  # the service's own error type (Azure DevOps: "ProjectDoesNotExistWithNameException")
    retry_after: float | None = None  # seconds, when the service said how long to wait


class UserFacingError(Exception):
    """An expected failure, shown to the user as a card with a next step."""

    title = "That did not work"
    kind = "error"

    def __init__(self, message: str, *, next_step: str = "", title: str | None = None,
                 answer: ServiceAnswer | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.next_step = next_step
        self.answer = answer or ServiceAnswer()
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


class SignInRequired(UserFacingError):
    """The person must sign in to Azure DevOps first; the reply carries the sign-in card (``prompt``), and the
    button they clicked is carried out once they have signed in."""

    title = "Sign in to Azure DevOps first"
    kind = "sign_in_required"

    def __init__(self, message: str, prompt: SignInPrompt, *, next_step: str = "") -> None:
        super().__init__(message, next_step=next_step)
        self.prompt = prompt
