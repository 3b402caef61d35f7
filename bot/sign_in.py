"""Per-user sign-in, free of SDK types: the person's own Azure DevOps token from the Bot Framework token service.

With OAUTH_CONNECTION_NAME set, decisions and deployments run with the clicking person's token, so Azure DevOps
applies their permissions and records them as the decider. The bot never stores a user token: it asks the token
service for it each time it needs one (the service keeps it and refreshes it). What the bot keeps is the card
action a person clicked before signing in, so the decision goes through once they have, without a second click.

    tokens = turn.tokens                      # None: per-user sign-in is off (the bot's own identity decides)
    token = await tokens.token()              # None: not signed in
    await tokens.redeem("123456")             # the magic code the sign-in page showed (typed in the chat)
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

MAGIC_CODE = re.compile(r"^\s*(\d{6})\s*$")
"""A message that is a sign-in code and nothing else (the real service's codes are six digits)."""
PENDING_TTL_S = 15 * 60
"""How long a card action clicked before signing in waits for the sign-in to finish."""


class UserTokens(Protocol):
    """The turn's person and the token service (valid only during the turn)."""

    connection: str

    async def token(self) -> str | None:
        """Their current Azure DevOps token, or None when they are not signed in."""
        ...

    async def redeem(self, code: str) -> str | None:
        """Finishes a sign-in with the code the sign-in page showed; the token, or None for a wrong code."""
        ...

    async def exchange(self, token: str) -> str | None:
        """Teams single sign-on: exchanges the Teams token for an Azure DevOps one; None when that fails."""
        ...

    async def sign_in_link(self) -> str:
        """The address that starts a sign-in for this person (the sign-in card's button)."""
        ...

    async def sign_out(self) -> None: ...


@dataclass(frozen=True)
class SignInPrompt:
    """A sign-in card: the token service's OAuth card (Teams draws a Sign in button for it)."""

    text: str
    link: str
    connection: str


@dataclass(frozen=True)
class Who:
    """Whose token it is, read from the token's claims for display and for the same-person check only (Azure
    DevOps verifies the token; the bot does not need to)."""

    name: str
    upn: str
    object_id: str


def who_signed_in(token: str) -> Who:
    """The person a user token names (an Entra access token: a JWT); empty fields when it is not readable."""
    try:
        payload = token.split(".")[1]
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return Who("", "", "")
    if not isinstance(claims, dict):
        return Who("", "", "")
    upn = str(claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username") or "")
    return Who(str(claims.get("name") or upn), upn, str(claims.get("oid") or "").lower())


def magic_code(text: str) -> str:
    """The sign-in code a message is, or ""."""
    match = MAGIC_CODE.match(text or "")
    return match.group(1) if match else ""
