"""Blocking SDK calls off the event loop: each backend's client runs them in its own small thread pool."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

from bot.services.retry import Failure

T = TypeVar("T")


async def in_worker(executor: Executor, fn: Callable[[], T],
                    to_failure: Callable[[BaseException], Failure | None]) -> T:
    """Runs ``fn`` in ``executor``; a failure of the call comes back as the backend's ``Failure`` (for the retry
    policy), anything else (a bug) as it is."""

    def run() -> T:
        try:
            return fn()
        except Exception as exc:
            failure = to_failure(exc)
            if failure is None:
                raise
            raise failure from None

    return await asyncio.get_running_loop().run_in_executor(executor, run)
