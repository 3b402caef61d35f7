"""Step-by-step pacing for tests whatever the machine's speed. A test module that wants it imports the fixtures:

    from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (fixtures)

and then ``pacing.ready = lambda card: ...`` decides when the first card goes out, ``pacing.expire()`` when a
TestConnection (or anything given a time limit) runs out of time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.pacing import Pacing


class StepByStep(Pacing):
    """The first card goes out once ``ready(card)`` holds for the card as it would be now (by default: once the
    work is done); a time limit runs out only when the test calls ``expire()``; a late card update does not wait
    for the invoke's answer to settle. A typed command's "working on it" card goes out only when the test sets
    ``slow_turns`` (else the turn waits for the command, whose own cards follow ``ready``)."""

    def __init__(self, ready: Callable[[dict], bool] = lambda card: False) -> None:
        super().__init__(settle_s=0.0)
        self.ready = ready
        self.slow_turns = False
        self._expired = asyncio.Event()

    async def first_answer(self, work, provisional, within_s) -> None:
        whole_turn = within_s == self.message_within_s
        for _ in range(6000):  # a bound, not a timing: a test whose state never comes fails instead of hanging
            if work.done():
                return
            if (self.slow_turns if whole_turn else self.ready(provisional().card)):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the work never reached the state this test waits for")

    async def time_up(self, seconds: float) -> None:
        await self._expired.wait()

    def expire(self) -> None:
        self._expired.set()


@pytest.fixture(name="bot_pacing")
def step_by_step() -> StepByStep:
    """Overrides tests/conftest.py's ``bot_pacing``: the bot made by make_bot paces step by step."""
    return StepByStep()


@pytest.fixture(name="pacing")
def step_by_step_pacing(bot_pacing: StepByStep) -> StepByStep:
    """The test's handle on that pacing (``ready``, ``expire()``)."""
    return bot_pacing
