"""Confirm-before-doing: a card only its requester can confirm, with a single-use token that expires.

    reply = await ask_confirmation(turn, "repo.create", {"name": name}, title=..., summary=[...])

The Confirm button re-checks the requester's role at that moment, uses the token up, runs the registered
operation (bot.router.operation) and replaces the card with the outcome: what happened, who, when. An operation
that outlasts a card action's few seconds answers with a "working on it" card that updates itself (bot.progress).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from bot.authorization import authorize
from bot.errors import NotAllowed, UserFacingError
from bot.progress import answer_soon, shared
from bot.router import CommandHandler
from bot.store import ConfirmationToken
from bot.turn import Reply, Turn
from cards.confirmation import closed_card, confirm_card, with_outcome, working_card
from cards.errors import error_card

log = logging.getLogger(__name__)

TOKEN_TTL = timedelta(minutes=10)


async def ask_confirmation(
    turn: Turn,
    operation: str,
    data: dict[str, Any],
    *,
    title: str,
    summary: list[tuple[str, str]],
    note: str = "",
) -> Reply:
    services = turn.services
    spec = services.registry.operation_spec(operation)
    if spec is None:
        raise LookupError(f"no operation registered as {operation!r}")
    await authorize(turn, spec.role, what=spec.what, action=f"{operation}.requested", target=_target(data))
    now = services.clock()
    token = secrets.token_urlsafe(18)
    expires = now + TOKEN_TTL
    await services.store.put_confirmation(
        ConfirmationToken(
            token=token,
            operation=operation,
            requested_by=turn.actor.key,
            payload={"data": data, "title": title, "summary": summary, "note": note, "requester": turn.actor.name},
            expires_at=expires,
        )
    )
    await services.audit.record(turn.actor, f"{operation}.requested", outcome="ok",
                                target=_target(data), conversation_id=turn.where.conversation_id)
    return Reply(card=confirm_card(title, summary, turn.actor.name, token, expires, note))


def _target(data: dict[str, Any]) -> str:
    return str(data.get("target") or data.get("name") or "")


def _only_the_requester(turn: Turn, pending: ConfirmationToken, doing: str) -> Reply:
    """The card again, with a note: only the person who asked may confirm or cancel it."""
    payload = pending.payload
    note = f"{turn.actor.name}: only {payload['requester']}, who asked, can {doing} this."
    return Reply(card=confirm_card(payload["title"], [tuple(p) for p in payload["summary"]], payload["requester"],
                                   pending.token, pending.expires_at or turn.services.clock(), note))


async def confirm(turn: Turn, token_value: str) -> Reply:
    services = turn.services
    now = services.clock()
    pending = await services.store.peek_confirmation(token_value, now)
    if pending is None:
        return Reply(card=closed_card("Nothing to confirm", "This request has expired or was already handled. "
                                      "Ask again if it is still needed."))
    operation, payload = pending.operation, pending.payload
    target = _target(payload["data"])
    if pending.requested_by != turn.actor.key:
        await services.audit.record(turn.actor, f"{operation}.confirm", outcome="refused", target=target,
                                    conversation_id=turn.where.conversation_id, detail="not the requester")
        return _only_the_requester(turn, pending, "confirm")
    spec = services.registry.operation_spec(operation)
    try:
        if spec is None:
            raise NotAllowed("This kind of request is no longer known to the bot.", next_step="Ask again.")
        await authorize(turn, spec.role, what=spec.what, action=f"{operation}.confirm", target=target)
    except NotAllowed as exc:
        await services.store.take_confirmation(token_value, now)
        return await shared(turn, Reply(card=closed_card("Not done", f"{exc.message} Nothing was changed.",
                                                         turn.actor.name, now)))
    if await services.store.take_confirmation(token_value, now) is None:
        return Reply(card=closed_card("Nothing to confirm", "This request was already handled."))
    return await answer_soon(
        turn, _run(turn, operation, spec.handler, payload["data"], now),
        lambda: Reply(card=working_card(payload["title"], turn.actor.name, now)),
        name=f"confirmed {operation}", within_s=services.pacing.confirmed_within_s, share=True)


async def _run(turn: Turn, operation: str, handler: CommandHandler, data: dict[str, Any], now: datetime) -> Reply:
    """Runs the confirmed operation, audits its outcome, and stamps its card with who confirmed it and when."""
    services = turn.services
    try:
        result: Reply = await handler(turn, data)
    except UserFacingError as exc:
        await services.audit.record(turn.actor, operation, outcome="failed", target=_target(data),
                                    conversation_id=turn.where.conversation_id, detail=exc.message)
        failed = error_card(exc.title, exc.message, exc.next_step)
        return Reply(card=with_outcome(failed, "Confirmed", turn.actor.name, now))
    await services.audit.record(turn.actor, operation, outcome="ok", target=_target(data),
                                conversation_id=turn.where.conversation_id)
    stamped = with_outcome(result.card, "Confirmed", turn.actor.name, now) if result.card else None
    return Reply(card=stamped, text=result.text)


async def cancel(turn: Turn, token_value: str) -> Reply:
    services = turn.services
    now = services.clock()
    pending = await services.store.peek_confirmation(token_value, now)
    if pending is None:
        return Reply(card=closed_card("Nothing to cancel", "This request has expired or was already handled."))
    if pending.requested_by != turn.actor.key:
        return _only_the_requester(turn, pending, "cancel")
    if await services.store.take_confirmation(token_value, now) is None:
        return Reply(card=closed_card("Nothing to cancel", "This request was already handled."))
    await services.audit.record(turn.actor, pending.operation, outcome="cancelled",
                                target=_target(pending.payload["data"]), conversation_id=turn.where.conversation_id)
    return await shared(turn, Reply(card=closed_card(pending.payload["title"], "Cancelled, nothing was changed,",
                                                     turn.actor.name, now)))
