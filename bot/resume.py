"""Confirmed work that a crash interrupted: at start, each intent in the work journal without an outcome is checked
against the service it acted on, then finished or reported on its card, and its outcome recorded and audited.

An operation says how to tell whether it took effect (``@operation(..., took_effect=...)``): its outcome card, or
None when nothing happened (the work is then done now, once). Without that check the operation is run again,
which suits operations that check before they write (onboarding skips whoever is in the team already).
"""

from __future__ import annotations

import logging

from bot.activity import Actor, CardAction, Where
from bot.confirmations import run_confirmed
from bot.container import Services
from bot.conversation import MessengerConversation, Reply
from bot.errors import UserFacingError
from bot.live_card import LiveCard
from bot.logging_setup import new_correlation_id, reset_correlation_id, set_correlation_id
from bot.store import WorkIntent, WorkOutcome
from bot.turn import Turn
from cards import verbs
from cards.confirmation import closed_card

log = logging.getLogger(__name__)

FINISHED_AFTER_RESTART = "Finished after the bot restarted"


def turn_for(services: Services, intent: WorkIntent) -> Turn:
    """The turn the work was confirmed in, as far as the journal remembers it: who, where, which card, which roles
    they held when they confirmed (the confirmation stands)."""
    data = intent.data
    actor = Actor(channel_user_id=str(data.get("channel_user_id", "")), name=str(data.get("requester", "")),
                  aad_object_id=str(data.get("aad_object_id", "")), tenant_id=str(data.get("tenant_id", "")))
    assert services.messenger is not None, "work is resumed once the bot can send"
    return Turn(actor=actor,
                where=Where(intent.conversation_id, str(data.get("conversation_type", "personal")), actor.tenant_id),
                conversation=MessengerConversation(services.messenger, intent.conversation_id),
                services=services, correlation_id=new_correlation_id(),
                action=CardAction(verbs.CONFIRM, {}, intent.card_activity_id),
                roles=frozenset(str(r) for r in data.get("roles", [])))


async def resume(services: Services, intent: WorkIntent) -> None:
    """Checks, finishes or reports one interrupted piece of work; its card shows the outcome."""
    turn = turn_for(services, intent)
    token = set_correlation_id(turn.correlation_id)
    card = LiveCard(services.messenger, intent.conversation_id, intent.card_activity_id,
                    name=f"resumed {intent.operation}")
    try:
        spec = services.registry.operation_spec(intent.operation)
        if spec is None:
            await services.store.record_outcome(intent.id, WorkOutcome("failed", services.clock(), "unknown"))
            await card.show(Reply(card=closed_card("Not done", "The bot restarted and no longer knows this kind of "
                                                   "request. Ask again if it is still needed.")))
            return
        try:
            done = await spec.took_effect(turn, intent.data["data"]) if spec.took_effect is not None else None
        except UserFacingError as exc:  # cannot tell now: left unfinished, checked again at the next start
            log.warning("could not check interrupted work", extra={"operation": intent.operation,
                                                                   "reason": exc.message[:200]})
            await card.show(Reply(card=closed_card(
                "Not sure it was done", f"The bot restarted while doing this, and could not check whether it was "
                f"done: {exc.message} It checks again when it next starts; meanwhile look in Azure DevOps.")))
            return
        log.info("resuming interrupted work", extra={"operation": intent.operation,
                                                     "took_effect": done is not None})
        reply = await run_confirmed(turn, spec, intent, note=FINISHED_AFTER_RESTART, took_effect=done)
        await card.show(reply)
    finally:
        reset_correlation_id(token)


async def resume_unfinished(services: Services) -> int:
    """Resumes every intent without an outcome (oldest first); one that fails never stops the others."""
    intents = await services.store.unfinished_intents()
    for intent in intents:
        try:
            await resume(services, intent)
        except Exception:  # the one place a resumed piece of work's unexpected failure ends: logged, not lost
            log.exception("resuming interrupted work failed", extra={"operation": intent.operation})
    return len(intents)
