"""Confirm-before-doing: a card only its requester can confirm, with a single-use token that expires.

    reply = await ask_confirmation(turn, "repo.create", {"name": name}, title=..., summary=[...])

The Confirm button re-checks the requester's role at that moment, records the intent in the work journal (so a
crash loses nothing: bot/resume.py finishes or reports it at the next start), uses the token up, runs the
registered operation (bot.router.operation), records its outcome and replaces the card with it: what happened,
who, when. An operation that outlasts a card action's few seconds answers with a "working on it" card that updates
itself (bot.progress). The audit trail has both the start and the outcome.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from bot.authorization import authorize
from bot.errors import NotAllowed, UserFacingError
from bot.logging_setup import current_correlation_id
from bot.progress import answer_soon, shared
from bot.router import OperationSpec
from bot.store import ConfirmationToken, DuplicateIntent, WorkIntent, WorkOutcome
from bot.store_lease import Lease, take
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
    if spec.before is not None:  # e.g. signed in first: the click is carried out again once they are
        await spec.before(turn, payload["data"])
    intent = _intent(turn, pending, now)
    # the work's lease, held until its outcome is recorded: no instance's resume scan (bot/resume.py) takes over
    # work that is alive on another, and a second click on another instance finds it taken
    lease = await take(services, work_lease(intent.id))
    if lease is None:
        if await services.store.get_work(intent.id) is None:  # a click a moment ago that never got as far
            return Reply(card=closed_card("Busy", "Another click on this card is being taken. If nothing happens, "
                                          "click Confirm again in a minute."))
        return Reply(card=closed_card("Nothing to confirm", "This request is already being handled."))
    try:
        try:  # recorded before anything is done: the journal, not the token, says whether this work has begun
            await services.store.record_intent(intent)
        except DuplicateIntent:
            await lease.release()
            return Reply(card=closed_card("Nothing to confirm", "This request is already being handled."))
        if await services.store.take_confirmation(token_value, now) is None:
            await services.store.record_outcome(intent.id, WorkOutcome("expired", now))
            await lease.release()
            return Reply(card=closed_card("Nothing to confirm", "This request has expired or was already handled."))
        await services.audit.record(turn.actor, f"{operation}.started", outcome="ok", target=target,
                                    conversation_id=turn.where.conversation_id, detail="confirmed")
    except BaseException:
        await asyncio.shield(lease.release())
        raise
    secrets = {k: v for k, v in payload["data"].items() if k in SECRET_KEYS}  # for this run only, never journaled
    return await answer_soon(
        turn, released_after(lease, run_confirmed(turn, spec, intent, secrets=secrets)),
        lambda: Reply(card=working_card(payload["title"], turn.actor.name, now)),
        name=f"confirmed {operation}", within_s=services.pacing.confirmed_within_s, share=True)


SECRET_KEYS = frozenset({"secret"})  # keys of an operation's data that hold a secret's reference


def work_lease(intent_id: str) -> str:
    """The store lease a confirmed piece of work is done under, by whichever instance does it."""
    return f"work:{intent_id}"


async def released_after(lease: Lease, work: Coroutine[Any, Any, Reply]) -> Reply:
    """Runs the confirmed work under its lease. Its outcome recorded, the lease is freed. Cancelled (the instance is
    stopping) or failed unexpectedly, it is only no longer renewed: it expires by itself, so calls still in flight
    land before another instance looks. Lost while the work runs (this instance could not renew it in time, so
    another may take the work over), the work is stopped here and left to that instance."""
    task = asyncio.ensure_future(work)
    lost = asyncio.ensure_future(lease.lost.wait())
    try:
        await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        lease.abandon()
        raise
    finally:
        lost.cancel()
    if not task.done():
        task.cancel()
        lease.abandon()
        await asyncio.gather(task, return_exceptions=True)  # its end is collected here, never left unretrieved
        log.warning("confirmed work stopped: its lease was lost, so another instance finishes it",
                    extra={"lease": lease.name})
        return Reply(card=closed_card("Still being done", "The bot could not keep hold of this work, so another of "
                                      "its instances finishes it and shows the outcome here."))
    if task.cancelled() or task.exception() is not None:
        lease.abandon()
        return task.result()  # raises
    await lease.release()
    return task.result()


def intent_id(token_value: str) -> str:
    """The journal id of a confirmation's work: the same for every click on that card, never the token itself."""
    return hashlib.sha256(token_value.encode()).hexdigest()[:32]


def _intent(turn: Turn, pending: ConfirmationToken, now: datetime) -> WorkIntent:
    """What the journal keeps to finish the work without the person: the operation's data without its secrets (a
    secret's reference, even sealed, goes to the live run only), who confirmed it with which roles, where its card
    is. Work resumed after a crash so asks again for what needs a secret."""
    actor = turn.actor
    data = {k: v for k, v in pending.payload["data"].items() if k not in SECRET_KEYS}
    return WorkIntent(
        id=intent_id(pending.token), operation=pending.operation, requested_by=actor.key,
        conversation_id=turn.where.conversation_id,
        card_activity_id=turn.action.card_activity_id if turn.action else "", at=now,
        data={"data": data, "title": pending.payload["title"], "requester": actor.name,
              "channel_user_id": actor.channel_user_id, "aad_object_id": actor.aad_object_id,
              "tenant_id": actor.tenant_id, "conversation_type": turn.where.conversation_type,
              "roles": sorted(turn.roles)})


async def run_confirmed(turn: Turn, spec: OperationSpec, intent: WorkIntent, *, note: str = "",
                        took_effect: Reply | None = None, secrets: dict[str, Any] | None = None) -> Reply:
    """Runs the confirmed operation (unless ``took_effect`` already holds its outcome), records the outcome in the
    journal and the audit, and stamps its card with who confirmed it and when (and ``note``). An unexpected error is
    recorded as the outcome too ("failed", with its reference), so the work is not run again, then raised."""
    services = turn.services
    data = intent.data["data"]
    outcome, detail = "ok", note
    try:
        resumed = {**data, "resumed": True} if note else {**data, **(secrets or {})}  # resumed: handlers may say
        result: Reply = took_effect if took_effect is not None else await spec.handler(turn, resumed)
    except UserFacingError as exc:
        outcome, detail = "failed", exc.message
        result = Reply(card=error_card(exc.title, exc.message, exc.next_step))
    except Exception:
        detail = f"unexpected error (reference {current_correlation_id()})"
        await services.store.record_outcome(intent.id, WorkOutcome("failed", services.clock(), detail))
        await services.audit.record(turn.actor, spec.name, outcome="failed", target=_target(data),
                                    conversation_id=turn.where.conversation_id, detail=detail)
        raise
    await services.store.record_outcome(intent.id, WorkOutcome(outcome, services.clock(), detail[:500]))
    await services.audit.record(turn.actor, spec.name, outcome=outcome, target=_target(data),
                                conversation_id=turn.where.conversation_id, detail=detail[:500])
    if result.card is None:
        return result
    stamped = with_outcome(result.card, "Confirmed", intent.data.get("requester") or turn.actor.name, intent.at)
    if note:
        stamped = with_outcome(stamped, note, "College Bot", services.clock())
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
