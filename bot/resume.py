"""Confirmed work that a crash interrupted: each intent in the work journal without an outcome, whose instance is
gone, is checked against the service it acted on, then finished or reported on its card, and its outcome recorded
and audited.

Every instance looks at start and then every half ``LEASE_SECONDS``. Work is done under its store lease
(``work:<intent id>``, bot/confirmations.py), renewed while its instance is alive: an intent whose lease is held
is left alone (it is being done), one whose lease has expired (its instance died) is taken over by the first
instance to take the lease, once. So work interrupted by a crash is finished by the restarted instance, or by
another one that never stopped, within about one ``LEASE_SECONDS``.

An operation says how to tell whether it took effect (``@operation(..., took_effect=...)``): its outcome card, or
None when nothing happened (the work is then done now, once). Without that check the operation is run again,
which suits operations that check before they write (onboarding skips whoever is in the team already).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from bot.activity import Actor, CardAction, Where
from bot.confirmations import run_confirmed, work_lease
from bot.container import Services
from bot.conversation import MessengerConversation, Reply
from bot.errors import UserFacingError
from bot.live_card import LiveCard
from bot.logging_setup import new_correlation_id, reset_correlation_id, set_correlation_id
from bot.store import WorkIntent, WorkOutcome
from bot.store_lease import attempt
from bot.turn import Turn
from cards import verbs
from cards.confirmation import closed_card

log = logging.getLogger(__name__)

FINISHED_AFTER_RESTART = "Finished after the bot restarted"
UNSURE_RETRY_MAX_S = 3600.0  # work that could not be checked: again after one lease, then doubling up to 1 h


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


async def resume(services: Services, intent: WorkIntent, *, say_unsure: bool = True) -> bool:
    """Checks, finishes or reports one interrupted piece of work; its card shows the outcome. False when it could
    not be checked (left unfinished; the card says so when ``say_unsure``)."""
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
            return True
        try:
            done = await spec.took_effect(turn, intent.data["data"]) if spec.took_effect is not None else None
        except UserFacingError as exc:  # cannot tell now: left unfinished, checked again later
            log.warning("could not check interrupted work", extra={"operation": intent.operation,
                                                                   "reason": exc.message[:200]})
            if say_unsure:
                await card.show(Reply(card=closed_card(
                    "Not sure it was done", f"The bot restarted while doing this, and could not check whether it "
                    f"was done: {exc.message} It checks again in a while; meanwhile look in Azure DevOps.")))
            return False
        log.info("resuming interrupted work", extra={"operation": intent.operation,
                                                     "took_effect": done is not None})
        reply = await run_confirmed(turn, spec, intent, note=FINISHED_AFTER_RESTART, took_effect=done)
        await card.show(reply)
        return True
    finally:
        reset_correlation_id(token)


class ResumeScan:
    """Looks for interrupted work at start and then every half lease (see the module docstring)."""

    def __init__(self, services: Services, *, clock=time.monotonic) -> None:
        self._services = services
        self._clock = clock
        self._unsure: dict[str, tuple[float, float]] = {}  # intent id -> (next look, wait after that)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Runs the looks in a task of its own (not in ``services.background``, whose idle it would never be)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="resume interrupted work")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run(self) -> None:
        while True:
            try:
                await self.scan()
            except (OSError, UserFacingError) as exc:  # the store or a service is away: the next look tries again
                log.warning("looking for interrupted work failed", extra={"reason": type(exc).__name__})
            except Exception:  # the loop outlives any one look; the cause is logged with its traceback
                log.exception("looking for interrupted work failed unexpectedly")
            await asyncio.sleep(self._services.settings.lease_s / 2)

    async def scan(self) -> int:
        """Resumes every intent without an outcome whose lease this instance takes (oldest first); one that fails
        never stops the others. Returns how many it took over."""
        services = self._services
        taken = 0
        young = services.clock() - timedelta(seconds=services.settings.lease_s)
        for intent in await services.store.unfinished_intents():
            next_look, wait = self._unsure.get(intent.id, (0.0, services.settings.lease_s))
            if self._clock() < next_look or intent.at > young:
                continue  # looked at lately; or too young to be orphaned (an instance of a version without leases)
            async with attempt(services, work_lease(intent.id)) as lease:
                if lease is None:
                    continue  # being done by its instance (or taken over by another)
                work = await services.store.get_work(intent.id)
                if work is None or work.outcome is not None:
                    continue  # finished since the list was read
                taken += 1
                try:
                    settled = await resume(services, intent, say_unsure=intent.id not in self._unsure)
                except Exception:  # the one place a resumed piece of work's unexpected failure ends: logged
                    log.exception("resuming interrupted work failed", extra={"operation": intent.operation})
                    settled = False
                if settled:
                    self._unsure.pop(intent.id, None)
                else:
                    self._unsure[intent.id] = (self._clock() + wait, min(wait * 2, UNSURE_RETRY_MAX_S))
        return taken
