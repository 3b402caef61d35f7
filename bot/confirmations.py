"""Confirm-before-doing: a card only its requester can confirm, with a single-use token that expires.

    reply = await ask_confirmation(turn, "repo.create", {"name": name}, title=..., summary=[...])

The Confirm button re-checks the requester's role at that moment, uses the token up, runs the registered
operation (bot.router.operation) and replaces the card with the outcome: what happened, who, when.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import timedelta
from typing import Any

from bot.errors import UserFacingError
from bot.logging_setup import current_correlation_id
from bot.store import ConfirmationToken
from bot.turn import Reply, Turn
from cards.confirmation import closed_card, confirm_card, with_outcome, working_card
from cards.errors import apology_card, error_card

log = logging.getLogger(__name__)

TOKEN_TTL = timedelta(minutes=10)
# Teams gives a card action roughly 5-15 s. A confirmed operation that takes longer than this is answered
# with a "working on it" card, which is updated in place with the outcome when the operation is done.
ANSWER_WITHIN_S = 4.0
# The "working" card travels in the invoke's HTTP answer, written after the turn ends: the update with the
# outcome waits at least this long after it, so it never arrives first and gets overwritten.
SETTLE_S = 1.0


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
    services.policy.require(spec.role, turn.roles, spec.what)
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


async def _finish(turn: Turn, reply: Reply) -> Reply:
    """Shows the outcome to everyone: the invoke answer updates the clicker's view, the update all others'."""
    if turn.action and turn.action.card_activity_id and reply.card:
        await turn.conversation.update(turn.action.card_activity_id, reply)
    return reply


async def confirm(turn: Turn, token_value: str) -> Reply:
    services = turn.services
    now = services.clock()
    pending = await services.store.peek_confirmation(token_value, now)
    if pending is None:
        return Reply(card=closed_card("Nothing to confirm", "This request has expired or was already handled. "
                                      "Ask again if it is still needed."))
    payload = pending.payload
    spec = services.registry.operation_spec(pending.operation)
    if pending.requested_by != turn.actor.key:
        await services.audit.record(turn.actor, f"{pending.operation}.confirm", outcome="refused",
                                    target=_target(payload["data"]), conversation_id=turn.where.conversation_id,
                                    detail="not the requester")
        note = f"{turn.actor.name}: only {payload['requester']}, who asked, can confirm this."
        return Reply(card=confirm_card(payload["title"], [tuple(p) for p in payload["summary"]],
                                       payload["requester"], token_value, pending.expires_at or now, note))
    if spec is None or not services.policy.allows(spec.role, turn.roles):
        await services.store.take_confirmation(token_value, now)
        await services.audit.record(turn.actor, f"{pending.operation}.confirm", outcome="refused",
                                    target=_target(payload["data"]), conversation_id=turn.where.conversation_id,
                                    detail="role no longer held")
        what = spec.what if spec else "do this"
        return await _finish(turn, Reply(card=closed_card(
            "Not done", f"You no longer have the role needed to {what}. Nothing was changed.",
            turn.actor.name, now)))
    taken = await services.store.take_confirmation(token_value, now)
    if taken is None:
        return Reply(card=closed_card("Nothing to confirm", "This request was already handled."))
    work = asyncio.ensure_future(_run(turn, spec.name, spec.handler, payload["data"], now))
    done, _ = await asyncio.wait({work}, timeout=ANSWER_WITHIN_S)
    if work in done:
        return await _finish(turn, work.result())
    # Teams gives a card action only seconds: answer now, and show the outcome when the work is done.
    card_id = turn.action.card_activity_id if turn.action else ""
    answered_at = asyncio.get_running_loop().time()
    services.background.start(f"confirmed {pending.operation}",
                              _show_later(services, turn.where.conversation_id, card_id, work, answered_at))
    return Reply(card=working_card(payload["title"], turn.actor.name, now))


async def _run(turn: Turn, operation: str, handler, data: dict[str, Any], now) -> Reply:
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


async def _show_later(services, conversation_id: str, card_id: str, work: asyncio.Future,
                      answered_at: float) -> None:
    try:
        reply = await work
    except Exception:  # the one place a confirmed operation's unexpected failure ends when it ran late
        log.exception("confirmed operation failed after its card was answered")
        reply = Reply(card=apology_card(current_correlation_id()))
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, answered_at + SETTLE_S - loop.time()))
    if card_id and services.messenger is not None and reply.card is not None:
        await services.messenger.update(conversation_id, card_id, reply)


async def cancel(turn: Turn, token_value: str) -> Reply:
    services = turn.services
    now = services.clock()
    pending = await services.store.peek_confirmation(token_value, now)
    if pending is None:
        return Reply(card=closed_card("Nothing to cancel", "This request has expired or was already handled."))
    payload = pending.payload
    if pending.requested_by != turn.actor.key:
        note = f"{turn.actor.name}: only {payload['requester']}, who asked, can cancel this."
        return Reply(card=confirm_card(payload["title"], [tuple(p) for p in payload["summary"]],
                                       payload["requester"], token_value, pending.expires_at or now, note))
    if await services.store.take_confirmation(token_value, now) is None:
        return Reply(card=closed_card("Nothing to cancel", "This request was already handled."))
    await services.audit.record(turn.actor, pending.operation, outcome="cancelled", target=_target(payload["data"]),
                                conversation_id=turn.where.conversation_id)
    return await _finish(turn, Reply(card=closed_card(payload["title"], "Cancelled, nothing was changed,",
                                                      turn.actor.name, now)))
