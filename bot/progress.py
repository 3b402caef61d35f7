"""Answer now, update the card later: the one way work that outlasts a turn reaches the user.

    return await answer_soon(turn, work(), lambda: Reply(card=checking_card()), name="doctor")

``answer_soon`` runs the work; when it ends within the pacing's first answer, its Reply is the turn's answer.
Otherwise the turn answers at once with the provisional card (a button: in the invoke's answer; a message: as a
new message) and a ``LiveCard`` replaces that card with the outcome when the work ends: the final card, the
error card of an expected failure, or the apology with its reference for an unexpected one. Work that moves
through several states (an import) shows each one on its ``LiveCard``.

When to stop waiting is one object, ``bot.pacing.Pacing``, in Services (tests put in their own moments).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from bot.conversation import Messenger, Reply
from bot.errors import UserFacingError
from bot.logging_setup import current_correlation_id
from bot.pacing import Provisional
from bot.turn import Turn
from cards.errors import apology_card, error_card

log = logging.getLogger(__name__)

class LiveCard:
    """A card the bot keeps up to date after its turn: updated in place, or posted first when it has no id."""

    def __init__(self, messenger: Messenger | None, conversation_id: str, activity_id: str = "", *, name: str,
                 not_before: float = 0.0) -> None:
        self._messenger = messenger
        self._conversation_id = conversation_id
        self.activity_id = activity_id
        self._name = name
        self._not_before = not_before  # event-loop time

    @classmethod
    def of_turn(cls, turn: Turn, name: str) -> LiveCard:
        """The card this turn's answer shows: the clicked card for a button (updated only after the invoke's
        answer has settled), else a new message posted by the first ``show``."""
        services = turn.services
        if turn.action is None:
            return cls(services.messenger, turn.where.conversation_id, name=name)
        loop = asyncio.get_running_loop()
        return cls(services.messenger, turn.where.conversation_id, turn.action.card_activity_id, name=name,
                   not_before=loop.time() + services.pacing.settle_s)

    async def show(self, reply: Reply) -> None:
        """Shows ``reply`` on the card; a failure to deliver is logged, never raised (the work itself is done)."""
        if self._messenger is None or (reply.card is None and not reply.text):
            return
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self._not_before - loop.time()))
        try:
            if self.activity_id:
                await self._messenger.update(self._conversation_id, self.activity_id, reply)
            else:
                self.activity_id = await self._messenger.send(self._conversation_id, reply)
        except UserFacingError as exc:
            log.warning("could not update the card", extra={"work": self._name, "reason": exc.message[:200]})

    async def show_outcome(self, work: Awaitable[Reply]) -> None:
        """Waits for ``work`` and shows what came of it; the card never stays "working…" forever."""
        try:
            reply = await work
        except UserFacingError as exc:
            reply = Reply(card=error_card(exc.title, exc.message, exc.next_step))
        except Exception:  # the one place unexpected failures of late work end: logged with the turn's reference
            log.exception("work failed after its card was answered", extra={"work": self._name})
            reply = Reply(card=apology_card(current_correlation_id()))
        await self.show(reply)


async def shared(turn: Turn, reply: Reply) -> Reply:
    """A button's answer shown to everyone: the invoke's answer updates the clicker's view of the card, this
    update everyone else's (a confirmation card that says who confirmed it, for the whole channel)."""
    if turn.action is not None and turn.action.card_activity_id and reply.card is not None:
        await turn.conversation.update(turn.action.card_activity_id, reply)
    return reply


async def answer_soon(turn: Turn, work: Awaitable[Reply], provisional: Provisional, *, name: str,
                      within_s: float | None = None, share: bool = False) -> Reply:
    """The work's Reply if it ends within the first answer (``within_s``, default the pacing's), else
    ``provisional()`` at once and the outcome later on the same card (see the module docstring). ``share``: a
    button's final card is shown to everyone in the conversation, not only to the person who clicked."""
    services = turn.services
    pacing = services.pacing
    task = asyncio.ensure_future(work)
    await pacing.first_answer(task, provisional, pacing.answer_within_s if within_s is None else within_s)
    if task.done() or services.messenger is None:
        reply = await task
        return await shared(turn, reply) if share else reply
    early = provisional()
    live = LiveCard.of_turn(turn, name)
    if turn.action is None:  # a message: the provisional card is a message of its own, updated later
        live.activity_id = await turn.conversation.send(early)
        early = Reply()
    log.info("answered before the work ended; the card updates later", extra={"work": name})
    services.background.start(f"{name}.update", live.show_outcome(task))
    return early
