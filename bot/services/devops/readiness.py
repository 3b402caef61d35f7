"""The /readyz check for Azure DevOps: can the bot read its project? Cached, so probes stay cheap."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.services.devops.client import DevOpsClient
from bot.services.devops.projects import project_id

OK_TTL_S = 60.0


class ProjectReachable:
    """Raises when the configured project cannot be read; a success is remembered for a minute."""

    def __init__(self, devops: DevOpsClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._devops = devops
        self._clock = clock
        self._ok_at: float | None = None

    async def __call__(self) -> None:
        if self._ok_at is not None and self._clock() - self._ok_at < OK_TTL_S:
            return
        await project_id(self._devops)
        self._ok_at = self._clock()
