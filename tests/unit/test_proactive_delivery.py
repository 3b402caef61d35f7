"""Paced proactive delivery without a network: Teams' per-conversation windows, each conversation on its own,
Retry-After remembered for the conversation's next message, 403 as GONE, no reference as UNREACHABLE."""

from __future__ import annotations

import asyncio

import pytest
from msrest.exceptions import HttpOperationError

from bot.conversation import Reply
from bot.errors import NotFound
from bot.proactive_delivery import ProactiveDelivery, Result

pytestmark = pytest.mark.asyncio


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.reason = "refused"
        self.text = ""


class Refused(HttpOperationError):
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        Exception.__init__(self, f"{status}")
        self.response = Response(status, headers)


class FakeMessenger:
    def __init__(self, time: FakeTime, refuse: dict[str, Exception] | None = None) -> None:
        self.time = time
        self.refuse = refuse or {}
        self.sent: list[tuple[str, float]] = []

    async def send(self, conversation_id: str, reply: Reply) -> str:
        if conversation_id in self.refuse:
            raise self.refuse.pop(conversation_id)
        self.sent.append((conversation_id, self.time.now))
        return f"m{len(self.sent)}"

    async def update(self, conversation_id: str, activity_id: str, reply: Reply) -> None:  # pragma: no cover
        raise AssertionError("not used")


def delivery(time: FakeTime, messenger: FakeMessenger) -> ProactiveDelivery:
    return ProactiveDelivery(messenger, clock=time.clock, sleep=time.sleep)


async def test_a_conversation_gets_seven_a_second_and_eight_in_two_seconds() -> None:
    time = FakeTime()
    messenger = FakeMessenger(time)
    paced = delivery(time, messenger)
    outcomes = [await paced.deliver("c1", Reply(text="hi")) for _ in range(9)]
    assert all(o.sent for o in outcomes)
    times = [t for _, t in messenger.sent]
    assert times[:7] == [0.0] * 7 and times[7] == 1.0 and times[8] == 2.0  # 7/1 s, then 8/2 s holds the 9th
    for window, allowed in ((1.0, 7), (2.0, 8), (30.0, 60)):
        assert all(sum(1 for u in times if t - window < u <= t) <= allowed for t in times)


async def test_sixty_in_thirty_seconds() -> None:
    time = FakeTime()
    messenger = FakeMessenger(time)
    paced = delivery(time, messenger)
    for _ in range(61):
        await paced.deliver("c1", Reply(text="hi"))
    times = [t for _, t in messenger.sent]
    assert times[60] >= times[0] + 30.0


async def test_conversations_are_paced_apart() -> None:
    time = FakeTime()
    messenger = FakeMessenger(time)
    paced = delivery(time, messenger)
    await asyncio.gather(*(paced.deliver(c, Reply(text="hi")) for c in ("a", "b") for _ in range(7)))
    assert [t for _, t in messenger.sent] == [0.0] * 14  # neither waits for the other


async def test_refusals_are_outcomes_and_retry_after_is_kept_for_the_next_message() -> None:
    time = FakeTime()
    messenger = FakeMessenger(time, refuse={"gone": Refused(403), "busy": Refused(429, {"Retry-After": "12"}),
                                            "unknown": NotFound("no reference")})
    paced = delivery(time, messenger)
    gone, busy, unknown = [await paced.deliver(c, Reply(text="hi")) for c in ("gone", "busy", "unknown")]
    assert (gone.result, gone.status) == (Result.GONE, 403)
    assert (busy.result, busy.status) == (Result.FAILED, 429)
    assert unknown.result == Result.UNREACHABLE
    assert (await paced.deliver("busy", Reply(text="again"))).sent and time.slept == [12.0]
