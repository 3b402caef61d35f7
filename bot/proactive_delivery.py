"""Messages the bot sends on its own to many conversations (scheduled digests; later service-hook events), paced
to Teams' limits per conversation, each conversation on its own:

    delivery = ProactiveDelivery(services.messenger)
    outcome = await delivery.deliver(conversation_id, reply)   # Delivered(SENT | GONE | UNREACHABLE | FAILED, ...)

* Pacing: Teams throttles a bot per conversation at 7 messages a second, 8 in 2 s, 60 in 30 s and 1800 an hour;
  ``deliver`` waits until a message fits in every window of its conversation (other conversations are not held up:
  each has its own windows and its own lock).
* 429 (and 412, 502, 503, 504): the Messenger's connector retry (bot/connector_retry.py) backs off, honouring
  Retry-After (bot/retry_after.py); what still fails comes back as FAILED with the status, and the conversation's
  next message waits for the Retry-After it was told.
* 403 (the bot was removed from the conversation, or may not post there) and 404 come back as GONE: nothing is
  retried, the caller pauses what it sends there. No stored conversation reference is UNREACHABLE.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.container import Services
from bot.conversation import Messenger, Reply
from bot.errors import NotFound
from bot.reply_delivery import CONNECTOR_FAILURES
from bot.retry_after import header, parse_retry_after

log = logging.getLogger(__name__)

TEAMS_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
"""(window in seconds, messages allowed in it) per bot and conversation."""
GONE_STATUSES = {403, 404}


class Result(StrEnum):
    SENT = "sent"
    GONE = "gone"  # 403/404: the bot is not (or no longer) in the conversation
    UNREACHABLE = "unreachable"  # no conversation reference stored
    FAILED = "failed"  # anything else, after the connector retries
    WITHDRAWN = "withdrawn"  # not sent: the sender found, right before sending, that it is no longer its to send


@dataclass(frozen=True)
class Delivered:
    result: Result
    activity_id: str = ""
    status: int | None = None  # the connector's HTTP status when it refused
    detail: str = ""

    @property
    def sent(self) -> bool:
        return self.result is Result.SENT


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


@dataclass
class _Lane:
    """One conversation's recent sends and its lock."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sent_at: deque[float] = field(default_factory=deque)
    not_before: float = 0.0


class ProactiveDelivery:
    def __init__(self, messenger: Messenger, *, limits: tuple[tuple[float, int], ...] = TEAMS_LIMITS,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self._messenger = messenger
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._lanes: dict[str, _Lane] = {}
        self._longest = max(window for window, _ in limits)

    def _wait_for(self, lane: _Lane, now: float) -> float:
        """Seconds until one more message fits every window (and any Retry-After told has passed)."""
        while lane.sent_at and now - lane.sent_at[0] >= self._longest:
            lane.sent_at.popleft()
        wait = max(0.0, lane.not_before - now)
        for window, allowed in self._limits:
            recent = [t for t in lane.sent_at if now - t < window]
            if len(recent) >= allowed:
                wait = max(wait, recent[-allowed] + window - now)
        return wait

    async def deliver(self, conversation_id: str, reply: Reply, *,
                      still_ours: Callable[[], Awaitable[bool]] | None = None) -> Delivered:
        """Sends ``reply`` to the conversation when its pace allows; the outcome, never an exception for a refusal.
        ``still_ours`` is asked right before sending (after any wait for the pace): False withdraws it."""
        lane = self._lanes.setdefault(conversation_id, _Lane())
        async with lane.lock:
            while (wait := self._wait_for(lane, self._clock())) > 0:
                await self._sleep(wait)
            if still_ours is not None and not await still_ours():
                return Delivered(Result.WITHDRAWN)
            lane.sent_at.append(self._clock())
            try:
                activity_id = await self._messenger.send(conversation_id, reply)
            except NotFound as exc:
                log.warning("proactive message not sent: no conversation reference",
                            extra={"conversation": conversation_id})
                return Delivered(Result.UNREACHABLE, detail=str(exc))
            except CONNECTOR_FAILURES as exc:
                status = _status(exc)
                told = parse_retry_after(header(getattr(getattr(exc, "response", None), "headers", None)))
                if told:
                    lane.not_before = self._clock() + told
                result = Result.GONE if status in GONE_STATUSES else Result.FAILED
                log.warning("proactive message refused", extra={"conversation": conversation_id, "status": status,
                                                                "result": str(result)})
                return Delivered(result, status=status, detail=type(exc).__name__)
            return Delivered(Result.SENT, activity_id=activity_id)


def proactive_delivery(services: Services) -> ProactiveDelivery:
    """The bot's one ProactiveDelivery (one set of per-conversation paces for everything it sends on its own)."""

    def make(s: Services) -> ProactiveDelivery:
        if s.messenger is None:
            raise RuntimeError("proactive delivery needs the messenger (built with the adapter in bot.runtime)")
        return ProactiveDelivery(s.messenger)

    return services.shared(ProactiveDelivery, make)


REMOVED = "Teams refused a message here ({status}): the bot seems to have been removed from this conversation"
UNINSTALLED = "the bot has no way to reach this conversation any more (it was uninstalled here)"


async def pause_unreachable(services: Services, conversation_id: str, outcome: Delivered) -> bool:
    """After a delivery that found the conversation gone (403/404) or unreachable (no reference): its digest
    schedule and its service hook subscriptions are paused, with the reason, and logged. True when it did."""
    if outcome.result not in (Result.GONE, Result.UNREACHABLE):
        return False
    reason = REMOVED.format(status=outcome.status) if outcome.result is Result.GONE else UNINSTALLED
    store = services.store
    schedule = await store.pause_schedule(conversation_id, reason, services.clock())
    hooks = await store.pause_hook_subscriptions(conversation_id, reason)
    log.warning("conversation unreachable: its digest schedule and subscriptions are paused",
                extra={"conversation": conversation_id, "status": outcome.status, "result": str(outcome.result),
                       "schedule_paused": schedule, "subscriptions_paused": hooks})
    return True


async def resume_reachable(services: Services, conversation_id: str) -> None:
    """The bot is back in the conversation (installed again): what was paused there goes on."""
    hooks = await services.store.resume_hook_subscriptions(conversation_id)
    if hooks:
        log.info("subscriptions resumed: the bot is back in the conversation",
                 extra={"conversation": conversation_id, "subscriptions_resumed": hooks})
