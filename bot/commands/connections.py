"""connections: every service connection with its last use and a live TestConnection verdict.

Answer fast, work later: the tests run concurrently, each within CONNECTION_TEST_TIMEOUT_S. When they all answer
within FIRST_ANSWER_S the final card is the reply; otherwise a card with ⏳ rows goes out at once and is updated
in place when the last test has answered or timed out (a Teams user sees a card within about two seconds, and
the bot's HTTP answer to Teams never waits for a slow test).

When to stop waiting is one object, ``PACING`` (wall-clock here; tests put in their own moments, such as "once
every call without a fault has answered", so that no test depends on how fast the machine is).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.errors import UserFacingError
from bot.logging_setup import current_correlation_id
from bot.router import Args, card_action, command
from bot.services.devops.client import require
from bot.services.devops.connections import (
    ConnectionTest,
    LastExecution,
    ServiceConnection,
    ServiceConnections,
    TestState,
    diagnose,
)
from bot.turn import Messenger, Reply, Turn
from cards import verbs
from cards.common import Card
from cards.connections import ConnectionView, connections_card
from cards.errors import apology_card, error_card

log = logging.getLogger(__name__)

FIRST_ANSWER_S = 2.0  # how long a turn waits for all results before it answers with a card that updates later
# A button's provisional card travels in the invoke's HTTP answer, written after the turn ends; the update must not
# overtake it, or the clicker would keep seeing "testing…".
INVOKE_SETTLE_S = 1.0
HISTORY_TIMEOUT_S = 10.0

Render = Callable[[bool], Card]  # pending -> card


class Pacing:
    """When a turn stops waiting: for its first card, and for each TestConnection (shared with doctor)."""

    async def first_answer(self, work: asyncio.Future[Any], render: Render) -> None:
        """Returns when the turn should answer: once ``work`` is done, or after FIRST_ANSWER_S at the latest.
        (``render(True)`` is the card as it would be now, for pacings that look at the progress.)"""
        await asyncio.wait({work}, timeout=FIRST_ANSWER_S)

    async def time_up(self, seconds: float) -> None:
        """Returns when a TestConnection given ``seconds`` has run out of time."""
        await asyncio.sleep(seconds)


PACING = Pacing()  # tests replace it; always read as PACING at the moment of use


# ---- answer now, update later (shared with doctor) ---------------------------------------------------------------
async def answer_fast(turn: Turn, work: Awaitable[Any], render: Render, *, name: str) -> Reply:
    """Runs ``work``; answers with the final card if it ends before PACING.first_answer returns, else with
    ``render(True)`` at once and replaces that card with ``render(False)`` when the work ends."""
    task = asyncio.ensure_future(work)
    await PACING.first_answer(task, render)
    messenger = turn.services.messenger
    clicked_card = turn.action.card_activity_id if turn.action is not None else ""
    if task.done() or messenger is None or (turn.action is not None and not clicked_card):
        await task
        return Reply(card=render(False))
    provisional = Reply(card=render(True))
    if turn.action is not None:  # a button: the invoke's answer shows the provisional card, the update the rest
        activity_id, reply = clicked_card, provisional
    else:
        activity_id, reply = await turn.conversation.send(provisional), Reply()
    log.info("answered before the work ended; the card updates later", extra={"work": name})
    settle_s = INVOKE_SETTLE_S if turn.action is not None else 0.0
    turn.services.background.start(
        f"{name}.update",
        _update_when_done(messenger, turn.where.conversation_id, activity_id, task, render, name, settle_s))
    return reply


async def _update_when_done(messenger: Messenger, conversation_id: str, activity_id: str, task: asyncio.Future[Any],
                            render: Render, name: str, settle_s: float = 0.0) -> None:
    loop = asyncio.get_running_loop()
    not_before = loop.time() + settle_s
    try:
        await task
        reply = Reply(card=render(False))
        await asyncio.sleep(max(0.0, not_before - loop.time()))
    except UserFacingError as exc:
        reply = Reply(card=error_card(exc.title, exc.message, exc.next_step))
    except Exception:  # the card must not stay "checking…" forever: show the apology with the reference
        log.exception("background work failed", extra={"work": name})
        reply = Reply(card=apology_card(current_correlation_id()))
    try:
        await messenger.update(conversation_id, activity_id, reply)
    except UserFacingError as exc:
        log.warning("could not update the card", extra={"work": name, "reason": exc.message[:200]})


# ---- turning results into card views ------------------------------------------------------------------------------
def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    seconds = max(0.0, (now - when).total_seconds())
    if seconds < 90:
        return "just now"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


def last_run_text(last: LastExecution | None, now: datetime, *, known: bool = True) -> str:
    if not known:
        return "history unavailable"
    if last is None:
        return "never used by a pipeline"
    parts = [last.result, last.definition, last.run, ago(last.finished, now)]
    return " · ".join(p for p in parts if p)


def verdict_text(test: ConnectionTest | None, timeout_s: float) -> tuple[str, str]:
    """(state for the card, words)"""
    if test is None:
        return "pending", "testing…"
    if test.state is TestState.PASSED:
        took = f"{test.seconds * 1000:.0f} ms" if test.seconds < 1 else f"{test.seconds:.1f} s"
        return "pass", f"TestConnection passed in {took}"
    if test.state is TestState.FAILED:
        return "fail", "TestConnection failed"
    if test.state is TestState.TIMED_OUT:
        return "timeout", f"TestConnection timed out after {timeout_s:g} s"
    return "error", "TestConnection could not be run"


def connection_view(connection: ServiceConnection, test: ConnectionTest | None, last: LastExecution | None, *,
                    history_known: bool, now: datetime, timeout_s: float) -> ConnectionView:
    state, words = verdict_text(test, timeout_s)
    diagnosis = diagnose(connection, test, timeout_s=timeout_s) if test is not None else None
    reason = ""
    if test is not None and test.state is TestState.FAILED:
        reason = f"{diagnosis.summary} The service said: {test.message}" if diagnosis else test.message
    elif diagnosis is not None:
        reason = diagnosis.summary
    return ConnectionView(
        name=connection.name,
        kind=connection.kind,
        scheme=connection.scheme_name,
        ready=connection.is_ready,
        last_run=last_run_text(last, now, known=history_known),
        state=state,
        verdict=words,
        reason=reason,
        next_step=diagnosis.next_step if diagnosis else "",
        url=connection.web_url,
    )


class ConnectionsRun:
    """One run of `connections`: the tests and history lookups, and what has answered so far."""

    def __init__(self, service: ServiceConnections, connections: list[ServiceConnection], timeout_s: float) -> None:
        self.service = service
        self.connections = connections
        self.timeout_s = timeout_s
        self.tests: dict[str, ConnectionTest] = {}
        self.history: dict[str, LastExecution | None] = {}
        self.history_failed: set[str] = set()

    async def _test(self, connection: ServiceConnection) -> None:
        self.tests[connection.id] = await self.service.test_within(connection, timeout_s=self.timeout_s,
                                                                  time_up=PACING.time_up)

    async def _history(self, connection: ServiceConnection) -> None:
        try:
            self.history[connection.id] = await asyncio.wait_for(self.service.last_execution(connection),
                                                                 timeout=HISTORY_TIMEOUT_S)
        except (UserFacingError, TimeoutError):
            self.history_failed.add(connection.id)

    async def run(self) -> None:
        await asyncio.gather(*(self._test(c) for c in self.connections),
                             *(self._history(c) for c in self.connections))

    def views(self, now: datetime) -> list[ConnectionView]:
        return [connection_view(c, self.tests.get(c.id), self.history.get(c.id),
                                history_known=c.id not in self.history_failed, now=now, timeout_s=self.timeout_s)
                for c in self.connections]


async def _connections(turn: Turn) -> Reply:
    services = turn.services
    devops = require(services)
    service = ServiceConnections(devops)
    timeout_s = services.settings.connection_test_timeout_s
    found = await service.list()
    run = ConnectionsRun(service, found, timeout_s)

    def render(pending: bool) -> Card:
        now = services.clock()
        return connections_card(devops.project, run.views(now), pending=pending, timeout_s=timeout_s,
                                tested_at=f"{now:%H:%M} UTC")

    return await answer_fast(turn, run.run(), render, name="connections")


@command("connections", area="Connections and setup", usage="connections",
         examples=["connections"], aliases=["service connections"])
async def handle_connections(turn: Turn, args: Args) -> Reply:
    """Shows every service connection: type, authorization, ready state, last use and a live TestConnection."""
    return await _connections(turn)


@card_action(verbs.CONNECTIONS_TEST)
async def handle_connections_test(turn: Turn, data: dict) -> Reply:
    """Tests every service connection again."""
    return await _connections(turn)
