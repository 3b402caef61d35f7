"""doctor's run over Azure DevOps: reads every part of the workshop's setup concurrently (each item on its own,
so one slow or failing read never holds the others) and judges each with workshop_checks as its data arrives."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import UserFacingError
from bot.services.checks.model import CheckResult
from bot.services.devops.client import DevOpsClient
from bot.services.devops.connections import ServiceConnections
from bot.services.devops.extensions import installed_extension
from bot.services.devops.library import secure_files
from bot.services.devops.model import ConnectionTest, ServiceConnection
from bot.services.devops.projects import read_project, read_team, team_members
from bot.services.devops.releases import release_definitions
from bot.services.devops.repositories import find_repository
from bot.services.devops.workshop_checks import (
    AZURE_RM,
    GITHUB,
    Expected,
    check_connection,
    check_extension,
    check_members,
    check_project,
    check_release,
    check_repository,
    check_secure_file,
    check_team,
    could_not_check,
    finalise,
)

TimeUp = Callable[[float], Awaitable[Any]]
CONNECTION_ITEMS = ((GITHUB, "github"), (AZURE_RM, "arm"))


class WorkshopCheck:
    """One run of doctor's Azure DevOps checks; ``results()`` is what has answered so far, in display order."""

    def __init__(self, devops: DevOpsClient, expected: Expected, time_up: TimeUp = asyncio.sleep) -> None:
        self._devops = devops
        self._connections = ServiceConnections(devops)
        self._time_up = time_up
        self.expected = expected
        self._results: dict[str, CheckResult] = {}
        self._listed: asyncio.Future[list[ServiceConnection]] | None = None
        self._shipped: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def shipped_model(self) -> str:
        """The Azure ML model the release pipeline ships (DOCTOR_MODEL when set; "" when none is found)."""
        if self.expected.model:
            return self.expected.model
        return await asyncio.shield(self._shipped)

    def results(self) -> list[CheckResult]:
        return finalise(self._results, self.expected)

    async def run(self) -> None:
        devops, e = self._devops, self.expected

        async def project() -> CheckResult:
            return check_project(await read_project(devops), e)

        async def team() -> CheckResult:
            return check_team(await read_team(devops, e.team), e)

        async def members() -> CheckResult:
            return check_members(await team_members(devops, e.team), e)

        async def repository() -> CheckResult:
            return check_repository(await find_repository(devops, e.repository), e)

        async def secure_file() -> CheckResult:
            return check_secure_file(await secure_files(devops, e.secure_file), e)

        async def extension() -> CheckResult:
            return check_extension(await installed_extension(devops, e.extension), e)

        await asyncio.gather(
            self._item("project", project), self._item("team", team), self._item("members", members),
            self._item("repository", repository), self._connection_items(),
            self._item("secure_file", secure_file), self._item("extension", extension),
            self._item("release", self._release),
        )

    async def _item(self, key: str, check: Callable[[], Awaitable[CheckResult]]) -> None:
        try:
            self._results[key] = await check()
        except UserFacingError as exc:
            self._results[key] = could_not_check(key, self.expected, exc)

    def _listing(self) -> asyncio.Future[list[ServiceConnection]]:
        """The project's service connections, listed once for both connection items and the release item."""
        if self._listed is None:
            self._listed = asyncio.ensure_future(self._connections.list())
        return self._listed

    async def _connection_items(self) -> None:
        try:
            listed = await self._listing()
        except UserFacingError as exc:
            for _, key in CONNECTION_ITEMS:
                self._results[key] = could_not_check(key, self.expected, exc)
            return
        e = self.expected
        wanted = {GITHUB: e.github_connection, AZURE_RM: e.arm_connection}
        to_test = [c for c in listed if any(
            (c.name.lower() == name.lower()) if name else c.is_type(kind) for kind, name in wanted.items())]
        tests: dict[str, ConnectionTest] = {}

        def judge() -> None:  # an item is known once all its candidates are tested (a missing one at once)
            for kind, key in CONNECTION_ITEMS:
                result = check_connection(kind, listed, tests, e)
                if result.state != "pending":
                    self._results[key] = result

        async def one(connection: ServiceConnection) -> None:
            tests[connection.id] = await self._connections.test_within(connection, timeout_s=e.timeout_s,
                                                                        time_up=self._time_up)
            judge()

        judge()
        await asyncio.gather(*(one(c) for c in to_test))

    async def _release(self) -> CheckResult:
        try:
            definitions = await release_definitions(self._devops)
        except BaseException:
            self._shipped.set_result("")
            raise
        shipped = [a.model for d in definitions for a in d.artifacts if a.is_azure_ml_model and a.model]
        self._shipped.set_result(shipped[0] if shipped else "")
        try:
            listed: list[ServiceConnection] | None = await self._listing()
        except UserFacingError:
            listed = None
        return check_release(definitions, listed, self.expected)
