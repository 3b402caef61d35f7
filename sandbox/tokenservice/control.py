"""Control API of the token service: sign a seeded person in or out without the sign-in page (for tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .people import find_person
from .service import DEFAULT_CHANNEL, Session, TokenServiceError

if TYPE_CHECKING:
    from ..server import Sandbox


class ControlProblem(ValueError):
    """A control call that cannot be carried out (400 with the reason)."""


def describe(session: Session) -> dict:
    """A session as the control API shows it."""
    return {"person": session.person.key, "user_id": session.user_id, "connection": session.connection,
            "upn": session.person.upn, "oid": session.person.object_id, "token": session.token,
            "expiration": session.expires.isoformat()}


def sign_in(sandbox: Sandbox, body: dict) -> dict:
    """``{"person", "connection"?, "user_id"?}``: the person (key, Teams id, object id or UPN) signed in to the
    connection (default: the configured one) as the Teams user ``user_id`` (default: their own Teams id)."""
    person = find_person(body.get("person"))
    if person is None:
        raise ControlProblem(f"no seeded person {body.get('person')!r}")
    with sandbox.lock:
        connection = _connection(sandbox, body.get("connection"))
        session = sandbox.tokens.sign_in(person, body.get("user_id") or person.teams_id, connection)
        return {**describe(session), "channel_id": body.get("channel_id") or DEFAULT_CHANNEL}


def sign_out(sandbox: Sandbox, body: dict) -> dict:
    """``{"person"?, "user_id"?, "connection"?}``: ends those sessions (everyone's without person or user_id)."""
    user_id = body.get("user_id")
    if body.get("person") and not user_id:
        person = find_person(body["person"])
        if person is None:
            raise ControlProblem(f"no seeded person {body['person']!r}")
        user_id = person.teams_id
    with sandbox.lock:
        connection = _connection(sandbox, body["connection"]) if body.get("connection") else None
        return {"signed_out": sandbox.tokens.sign_out(user_id, connection)}


def sessions(sandbox: Sandbox) -> list[dict]:
    """Who is signed in now."""
    with sandbox.lock:
        return [describe(s) for s in sandbox.tokens.sessions()]


def _connection(sandbox: Sandbox, name: str | None) -> str:
    try:
        return sandbox.tokens.connection(name or sandbox.tokens.connection_name)
    except TokenServiceError as error:
        raise ControlProblem(error.message) from None
