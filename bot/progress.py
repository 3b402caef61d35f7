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

from bot.conversation import Reply
from bot.live_card import LiveCard
from bot.pacing import Provisional
from bot.turn import Turn

log = logging.getLogger(__name__)

def live_card(turn: Turn, name: str) -> LiveCard:
    """The card this turn shows progress on: the turn's own (a typed command's progress card, shared by every
    piece of work in the turn), else the clicked card for a button (updated only after the invoke's answer has
    settled), else a new message posted by the first ``show``."""
    services = turn.services
    if turn.progress is not None:
        return turn.progress
    if turn.action is None:
        turn.progress = LiveCard(services.messenger, turn.where.conversation_id, name=name)
        return turn.progress
    loop = asyncio.get_running_loop()
    return LiveCard(services.messenger, turn.where.conversation_id, turn.action.card_activity_id, name=name,
                    not_before=loop.time() + services.pacing.settle_s)


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
    live = live_card(turn, name)
    if turn.action is None:  # a message: the provisional card is a message of its own (or the turn's progress card)
        await live.post(early, turn.conversation)
        early = Reply()
    log.info("answered before the work ended; the card updates later", extra={"work": name})
    services.background.start(f"{name}.update", live.show_outcome(task))
    return early
