"""Work that outlives the turn that started it (an import's progress, a long check).

Answer fast, work later: a handler replies at once and hands the rest to `Background.start`. Each task keeps
the correlation id of the turn that started it; failures are logged with it, never lost silently; all tasks
are cancelled at shutdown.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, name: str, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work, name=name, context=contextvars.copy_context())
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task failed", exc_info=exc, extra={"task": task.get_name()})

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Waits until no task runs, tasks started meanwhile by other tasks included (tests and shutdown use this)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks and loop.time() < deadline:
            await asyncio.wait(set(self._tasks), timeout=deadline - loop.time())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)
