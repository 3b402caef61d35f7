"""The token service's state and rules: sessions per (user, connection), sign-in links, magic codes, refresh.

Callers hold the sandbox lock. Times are the sandbox clock's; a reset signs everyone out (``reset``).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..azureml.tokens import InvalidToken
from ..state.ids import stable_id
from . import user_tokens
from .people import Person, find_person

if TYPE_CHECKING:
    from ..server import Sandbox

REFRESH_WITHIN = timedelta(minutes=5)  # GetToken hands out a fresh token when the stored one has less left
SESSION_IDLE = timedelta(days=90)  # Entra's refresh-token inactivity limit: unused this long, the session ends
CODE_LIFETIME = timedelta(minutes=10)  # how long a magic code can be redeemed (unconfirmed for the real service)
PROVIDER_ID = stable_id("oauth-provider", "Azure Active Directory v2")
PROVIDER_NAME = "Azure Active Directory v2"
DEFAULT_CHANNEL = "msteams"


class TokenServiceError(Exception):
    """An answer of the service other than 200: ``{"error": {"code", "message"}}`` with a status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Session:
    """A signed-in user of one connection: who they signed in as, and their current access token."""

    user_id: str
    connection: str
    person: Person
    token: str
    expires: datetime
    last_used: datetime


@dataclass
class PendingSignIn:
    """A sign-in link handed out by GetSignInResource, not yet used."""

    id: str
    user_id: str
    connection: str
    channel_id: str
    hint: Person | None  # the person the state names (by Teams id or Entra object id), preselected on the page


@dataclass
class MagicCode:
    """The code the sign-in page showed, redeemable once by GetToken for the link's user and connection."""

    value: str
    person: Person
    expires: datetime


class TokenService:
    """One sandbox's token service: a single configured OAuth connection (``connection_name``)."""

    def __init__(self, sandbox: Sandbox, connection_name: str) -> None:
        self.sandbox = sandbox
        self.connection_name = connection_name
        self.origin = ""  # set when the Sandbox binds it
        self._sessions: dict[tuple[str, str], Session] = {}
        self._pending: dict[str, PendingSignIn] = {}
        self._codes: dict[tuple[str, str], MagicCode] = {}

    def reset(self) -> None:
        """Everyone signed out; links and codes forgotten."""
        self._sessions.clear()
        self._pending.clear()
        self._codes.clear()

    # ---- connection and users ----------------------------------------------------------------
    def connection(self, name: str | None) -> str:
        """The configured connection ``name`` names (case-insensitive); the service's 400 otherwise."""
        if name and name.lower() == self.connection_name.lower():
            return self.connection_name
        raise TokenServiceError(400, "ServiceError", f"Could not find Connection Setting with name '{name or ''}'")

    @staticmethod
    def user(user_id: str | None) -> str:
        if not user_id:
            raise TokenServiceError(400, "BadArgument", "The userId parameter is required.")
        return user_id

    def _now(self) -> datetime:
        return self.sandbox.clock.now()

    # ---- sessions ------------------------------------------------------------------------------
    def sign_in(self, person: Person, user_id: str, connection: str) -> Session:
        """``user_id`` signed in to ``connection`` as ``person``, with a fresh token."""
        now = self._now()
        token, expires = user_tokens.issue(self.sandbox.azureml.signer, person, self.sandbox.world.tenant_id, now)
        session = Session(user_id, connection, person, token, expires, now)
        self._sessions[(user_id, connection.lower())] = session
        self._codes.pop((user_id, connection.lower()), None)
        return session

    def current(self, user_id: str, connection: str) -> Session | None:
        """The user's session with a token valid for a while yet (refreshed if needed); None when signed out."""
        key = (user_id, connection.lower())
        session = self._sessions.get(key)
        now = self._now()
        if session is None:
            return None
        if now - session.last_used > SESSION_IDLE:
            del self._sessions[key]
            return None
        if session.expires - now < REFRESH_WITHIN:
            session.token, session.expires = user_tokens.issue(self.sandbox.azureml.signer, session.person,
                                                               self.sandbox.world.tenant_id, now)
        session.last_used = now
        return session

    def redeem(self, user_id: str, connection: str, code: str) -> Session | None:
        """Signs the user in if ``code`` is the magic code shown for them on this connection (used up either way)."""
        found = self._codes.get((user_id, connection.lower()))
        if found is None or not secrets.compare_digest(found.value, code.strip()):
            return None
        del self._codes[(user_id, connection.lower())]
        if found.expires <= self._now():
            return None
        return self.sign_in(found.person, user_id, connection)

    def sign_out(self, user_id: str | None = None, connection: str | None = None) -> int:
        """Ends the sessions of ``user_id`` (everyone if None) on ``connection`` (all if None); how many ended."""
        ended = [key for key in self._sessions
                 if (user_id is None or key[0] == user_id) and (connection is None or key[1] == connection.lower())]
        for key in ended:
            del self._sessions[key]
        return len(ended)

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def exchange(self, user_id: str, connection: str, token: str) -> Session | None:
        """SSO: a token this sandbox's Entra issued to a seeded person (unexpired) signs the user in as them."""
        try:
            claims = self.sandbox.azureml.signer.verify(token)
        except InvalidToken:
            return None
        person = find_person(claims.object_id)
        if person is None or claims.tenant_id != self.sandbox.world.tenant_id \
                or claims.expires <= self._now().timestamp():
            return None
        return self.sign_in(person, user_id, connection)

    # ---- sign-in links and the page -------------------------------------------------------------
    def sign_in_resource(self, state: str | None) -> dict:
        """SignInUrlResponse for a state made by botbuilder (``UserTokenClient.create_token_exchange_state``)."""
        parsed = _decode_state(state)
        connection = self.connection(parsed.get("connectionName"))
        conversation = parsed.get("conversation") or {}
        user = conversation.get("user") or {}
        user_id = self.user(user.get("id"))
        hint = find_person(user_id) or find_person(user.get("aadObjectId") or user.get("aad_object_id"))
        pending = PendingSignIn(uuid.uuid4().hex, user_id, connection,
                                conversation.get("channelId") or DEFAULT_CHANNEL, hint)
        self._pending[pending.id] = pending
        app_id = parsed.get("msAppId") or ""
        return {"signInLink": f"{self.origin}/api/oauth/signin?signin={pending.id}",
                "tokenExchangeResource": {"id": str(uuid.uuid4()),
                                          "uri": f"api://botid-{app_id}" if app_id else None,
                                          "providerId": PROVIDER_ID}}

    def pending(self, signin_id: str | None) -> PendingSignIn | None:
        return self._pending.get(signin_id or "")

    def complete(self, signin_id: str, person: Person) -> str:
        """The person chose who to sign in as: the link is used up and a magic code awaits redemption."""
        pending = self._pending.pop(signin_id)
        code = f"{secrets.randbelow(1_000_000):06d}"
        self._codes[(pending.user_id, pending.connection.lower())] = MagicCode(code, person,
                                                                               self._now() + CODE_LIFETIME)
        return code

    # ---- answers -------------------------------------------------------------------------------------
    def token_response(self, session: Session, channel_id: str | None) -> dict:
        """TokenResponse as the service returns it."""
        return {"channelId": channel_id or DEFAULT_CHANNEL, "connectionName": session.connection,
                "token": session.token, "expiration": session.expires.isoformat()}

    def status(self, user_id: str, channel_id: str | None, include: str | None) -> list[dict]:
        """TokenStatus of each connection (``include``: comma-separated names to keep)."""
        wanted = {n.strip().lower() for n in include.split(",")} if include else None
        if wanted is not None and self.connection_name.lower() not in wanted:
            return []
        has_token = self.current(user_id, self.connection_name) is not None
        return [{"channelId": channel_id or DEFAULT_CHANNEL, "connectionName": self.connection_name,
                 "hasToken": has_token, "serviceProviderDisplayName": PROVIDER_NAME}]


def _decode_state(state: str | None) -> dict:
    """botbuilder's state: base64 of JSON ``{"connectionName", "conversation", "relatesTo", "msAppId"}``."""
    try:
        text = (state or "").replace("-", "+").replace("_", "/")  # standard base64; the URL-safe form too
        raw = base64.b64decode(text + "=" * (-len(text) % 4))
        parsed = json.loads(raw)
    except (binascii.Error, ValueError):
        raise TokenServiceError(400, "BadArgument", "The state parameter is not valid.") from None
    if not isinstance(parsed, dict):
        raise TokenServiceError(400, "BadArgument", "The state parameter is not valid.")
    return parsed
