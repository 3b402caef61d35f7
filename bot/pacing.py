"""When a turn stops waiting, and how long work is followed afterwards: one object, in Services.

Wall-clock here; tests put in their own moments (such as "once every call without a fault has answered"), so that
no test depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.conversation import Reply

Provisional = Callable[[], Reply]  # the card as it would be now, while the work goes on


@dataclass
class Pacing:
    """When a turn stops waiting, and how long work is followed afterwards."""

    answer_within_s: float = 2.0  # a turn answers by then, with a card that updates itself if the work goes on
    # Any typed command answers by then, with a "working on it" card if it goes on: Teams holds a message's HTTP
    # request for 15 s at most, and the person waits.
    message_within_s: float = 4.0
    confirmed_within_s: float = 4.0  # a Confirm click: Teams gives a card action a few seconds (about 5-15)
    # An update of a clicked card waits this long after the invoke's answer (written after the turn ends), so it
    # never arrives first and gets overwritten by the provisional card.
    settle_s: float = 1.0
    poll_s: float = 3.0  # how often followed work (an import's progress) is read
    follow_limit_s: float = 3600.0  # after that, the card says where to look instead

    async def first_answer(self, work: asyncio.Future[Any], provisional: Provisional, within_s: float) -> None:
        """Returns when the turn should answer: once ``work`` is done, or after ``within_s`` at the latest."""
        await asyncio.wait({work}, timeout=within_s)

    async def time_up(self, seconds: float) -> None:
        """Returns when something given ``seconds`` (a TestConnection, a model check) has run out of time."""
        await asyncio.sleep(seconds)

    async def poll(self) -> None:
        """Waits between two readings of followed work."""
        await asyncio.sleep(self.poll_s)
