"""A card the bot keeps up to date while work goes on: posted once, then updated in place, during the turn and
after it. Every post and update of one card goes through one lock, so two pieces of work never post two cards."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from bot.conversation import Conversation, Messenger, Reply
from bot.errors import UserFacingError
from bot.logging_setup import current_correlation_id
from cards.errors import apology_card, error_card

log = logging.getLogger(__name__)


class LiveCard:
    """One message (a card) in a conversation; ``activity_id`` is "" until it is posted."""

    def __init__(self, messenger: Messenger | None, conversation_id: str, activity_id: str = "", *, name: str,
                 not_before: float = 0.0) -> None:
        self._messenger = messenger
        self._conversation_id = conversation_id
        self.activity_id = activity_id
        self._name = name
        self._not_before = not_before  # event-loop time before which no update is sent (an invoke's answer settles)
        self._lock = asyncio.Lock()

    async def post(self, reply: Reply, conversation: Conversation) -> None:
        """During the turn: posts the card through the turn's conversation, or updates it once posted."""
        async with self._lock:
            if self.activity_id:
                await conversation.update(self.activity_id, reply)
            else:
                self.activity_id = await conversation.send(reply)

    async def show(self, reply: Reply) -> None:
        """After the turn: shows ``reply`` on the card (posting it first if it has none yet). A failure to deliver
        is logged, never raised: the work itself is done."""
        if self._messenger is None or (reply.card is None and not reply.text):
            return
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, self._not_before - loop.time()))
        async with self._lock:
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
