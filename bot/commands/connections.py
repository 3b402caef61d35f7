"""connections: every service connection with its last use and a live TestConnection verdict.

The tests run concurrently, each within CONNECTION_TEST_TIMEOUT_S; the card appears at once and updates itself
when the last test has answered or timed out (bot.progress).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.errors import UserFacingError
from bot.progress import answer_soon
from bot.router import Args, card_action, command
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.connections import ServiceConnections, diagnose
from bot.services.devops.model import ConnectionTest, LastExecution, ServiceConnection
from bot.turn import Reply, Turn
from cards import verbs
from cards.connections import ConnectionView, connection_view, connections_card

HISTORY_TIMEOUT_S = 10.0


class ConnectionsRun:
    """One run of `connections`: the tests and history lookups, and what has answered so far."""

    def __init__(self, turn: Turn, service: ServiceConnections, connections: list[ServiceConnection]) -> None:
        self.time_up = turn.services.pacing.time_up
        self.timeout_s = turn.services.settings.connection_test_timeout_s
        self.service = service
        self.connections = connections
        self.tests: dict[str, ConnectionTest] = {}
        self.history: dict[str, LastExecution | None] = {}
        self.history_failed: set[str] = set()

    async def _test(self, connection: ServiceConnection) -> None:
        self.tests[connection.id] = await self.service.test_within(connection, timeout_s=self.timeout_s,
                                                                  time_up=self.time_up)

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
        views = []
        for c in self.connections:
            test = self.tests.get(c.id)
            diagnosis = diagnose(c, test, timeout_s=self.timeout_s) if test is not None else None
            views.append(connection_view(c, test, self.history.get(c.id), diagnosis,
                                         history_known=c.id not in self.history_failed, now=now,
                                         timeout_s=self.timeout_s))
        return views


async def _connections(turn: Turn) -> Reply:
    services = turn.services
    devops = services.client(AZURE_DEVOPS)
    service = ServiceConnections(devops)
    run = ConnectionsRun(turn, service, await service.list())

    def render(pending: bool) -> Reply:
        now = services.clock()
        return Reply(card=connections_card(devops.project, run.views(now), pending=pending, timeout_s=run.timeout_s,
                                           tested_at=f"{now:%H:%M} UTC"))

    async def work() -> Reply:
        await run.run()
        return render(False)

    return await answer_soon(turn, work(), lambda: render(True), name="connections")


@command("connections", area="Connections and setup", usage="connections",
         examples=["connections"], aliases=["service connections"])
async def handle_connections(turn: Turn, args: Args) -> Reply:
    """Shows every service connection: type, authorization, ready state, last use and a live TestConnection."""
    return await _connections(turn)


@card_action(verbs.CONNECTIONS_TEST)
async def handle_connections_test(turn: Turn, data: dict) -> Reply:
    """Tests every service connection again."""
    return await _connections(turn)
