"""Scheduled digests: a loop in the bot that sends each conversation's digest once per due time.

Every ``TICK_S`` (and once at start) each active schedule is looked at: its newest due time at or before now
(bot/digest_times.py) is sent when it is newer than the last one claimed, not older than the schedule itself, and
at most ``GRACE`` old. A digest missed while the bot was down is so sent once at start if the bot is back within
the grace period, and skipped otherwise (the next one then covers the whole time since the last digest, at most
``MAX_PERIOD``).

Once across instances: a conversation's digest is made and sent under the store's lease ``digest:<conversation>``
(bot/store_lease.py), taken without waiting: an instance that finds it held leaves the digest to its holder. The
holder reads the schedule afresh (another instance may have sent it since the list was read), makes the card,
checks right before sending (after any wait for the conversation's pace) that it still holds the lease, sends it,
and only then marks the due time sent (``claim_digest``, tried again for a few seconds while the lease holds). So
an instance that dies mid-digest leaves the due time unmarked and its lease expiring (``LEASE_SECONDS``); the next
instance to look after that sends it, once. The window left is between Teams' 200 and the store's mark: a holder
killed in it, or a store away for longer than the mark's retries, has sent the digest, and the next one sends it
again (logged as an error).

Sending goes through bot/proactive_delivery.py, all conversations at once, each at its own pace: a conversation
that removed the bot (403/404) has its schedule paused, with the reason ``digest status`` shows there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot import telemetry
from bot.container import Services
from bot.conversation import Reply
from bot.digest_times import Recurrence, latest_due, previous_due, recurrence
from bot.digests import digest_reply
from bot.errors import UserFacingError
from bot.proactive_delivery import Delivered, ProactiveDelivery, Result, pause_unreachable
from bot.store import DigestSchedule
from bot.store_lease import Lease, attempt

log = logging.getLogger(__name__)

TICK_S = 30.0
GRACE = timedelta(hours=6)
MAX_PERIOD = timedelta(days=7)
MARK_RETRY_S = (0.5, 1.0, 2.0, 4.0)  # marking a sent digest, tried again after these pauses


def rule_of(schedule: DigestSchedule) -> Recurrence:
    return recurrence(schedule.kind, schedule.at, schedule.zone)


def period_start(schedule: DigestSchedule, due: datetime) -> datetime:
    """Where a scheduled digest's period starts: the previous digest claimed, else the previous due time; at most
    ``MAX_PERIOD`` back."""
    start = schedule.last_due if schedule.last_due is not None and schedule.last_due < due \
        else previous_due(rule_of(schedule), due)
    return max(start, due - MAX_PERIOD)


def due_now(schedule: DigestSchedule, now: datetime) -> datetime | None:
    """The due time to send now, or None (paused, claimed already, before the schedule existed, or past grace)."""
    if schedule.paused:
        return None
    due = latest_due(rule_of(schedule), now)
    if due < schedule.created_at or (schedule.last_due is not None and due <= schedule.last_due):
        return None
    if now - due > GRACE:
        return None
    return due


class DigestScheduler:
    """Runs the schedules of ``services.store`` (see the module docstring)."""

    def __init__(self, services: Services, delivery: ProactiveDelivery, *, tick_s: float | None = None,
                 content: Callable[[Services, datetime, datetime], Awaitable[Reply]] | None = None) -> None:
        self._services = services
        self._delivery = delivery
        self._tick_s = tick_s if tick_s is not None else services.settings.digest_tick_s
        self._content = content or digest_reply
        self._task: asyncio.Task[None] | None = None
        self._ticks = 0
        self._ticked = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="digest scheduler")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def first_tick(self, timeout: float = 10.0) -> None:
        """Waits until the loop has looked at the schedules once (the look at start; tests use this)."""
        await asyncio.wait_for(self._ticked.wait(), timeout)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except (OSError, UserFacingError) as exc:  # the store or a service is away: try again next tick
                log.warning("digest scheduler tick failed", extra={"reason": type(exc).__name__})
            except Exception:  # the loop outlives any one tick; the cause is logged with its traceback
                log.exception("digest scheduler tick failed unexpectedly")
            self._ticked.set()
            await asyncio.sleep(self._tick_s)

    async def tick(self, now: datetime | None = None) -> list[tuple[str, Delivered]]:
        """Sends every digest due at ``now`` (default: the services' clock); what was sent where."""
        moment = now or self._services.clock()
        due = [(s, d) for s in await self._services.store.list_schedules() if (d := due_now(s, moment)) is not None]
        made: dict[datetime, asyncio.Task[Reply]] = {}  # one read per period: conversations due together share it
        results = await asyncio.gather(*(self._send(s, d, moment, made) for s, d in due))
        self._ticks += 1
        return [r for r in results if r is not None]

    async def _send(self, schedule: DigestSchedule, due: datetime, now: datetime,
                    made: dict[datetime, asyncio.Task[Reply]]) -> tuple[str, Delivered] | None:
        conversation = schedule.conversation_id
        async with attempt(self._services, f"digest:{conversation}") as lease:
            if lease is None:
                return None  # another instance is sending it
            fresh = await self._services.store.get_schedule(conversation)
            if fresh is None or due_now(fresh, now) != due:
                return None  # sent since the list was read (another tick or instance), paused or switched off
            reply = await self._content_for(conversation, period_start(fresh, due), now, made)
            outcome = await self._delivery.deliver(conversation, reply, still_ours=lease.keep)
            if outcome.result is Result.WITHDRAWN:
                log.warning("digest lease lost before sending; its new holder sends it",
                            extra={"conversation": conversation, "due": due.isoformat()})
                return None
            await self._mark_sent(lease, conversation, due)
        await self._report(conversation, due, outcome)
        return conversation, outcome

    async def _mark_sent(self, lease: Lease, conversation: str, due: datetime) -> None:
        """Marks the due time sent, tried again while the lease is ours (a store blip must not send it twice)."""
        for pause in (*MARK_RETRY_S, None):
            try:
                await self._services.store.claim_digest(conversation, due)
                return
            except Exception as exc:  # noqa: BLE001 (any store failure: tried again, then logged and left)
                if pause is None or not lease.valid:
                    log.error("digest sent but not marked sent: it may be sent again",
                              extra={"conversation": conversation, "due": due.isoformat(),
                                     "reason": type(exc).__name__})
                    return
                await asyncio.sleep(pause)

    async def _content_for(self, conversation: str, start: datetime, now: datetime,
                           made: dict[datetime, asyncio.Task[Reply]]) -> Reply:
        if start not in made:  # conversations due together with the same period share one read
            made[start] = asyncio.ensure_future(self._content(self._services, start, now))
        try:
            return await asyncio.shield(made[start])
        except UserFacingError as exc:
            log.warning("digest content failed", extra={"conversation": conversation, "reason": str(exc)[:200]})
            return Reply(text=f"The scheduled digest could not be made: {exc}")

    async def _report(self, conversation: str, due: datetime, outcome: Delivered) -> None:
        telemetry.count(telemetry.DIGEST_DELIVERIES, result=str(outcome.result), status=outcome.status)
        if await pause_unreachable(self._services, conversation, outcome):
            pass  # paused and logged (bot.proactive_delivery)
        elif outcome.result is not Result.SENT:
            log.warning("scheduled digest not delivered", extra={"conversation": conversation,
                                                                 "result": str(outcome.result),
                                                                 "status": outcome.status})
        else:
            log.info("scheduled digest sent", extra={"conversation": conversation, "due": due.isoformat()})
