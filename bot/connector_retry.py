"""Retries for what the bot sends to the Bot Connector (replies, card updates, proactive messages).

botbuilder's connector pipeline retries nothing. Teams throttles per bot and conversation (7 messages a
second, 60 in 30 s, ...) and answers 429 with Retry-After; 412, 502, 503 and 504 are transient too.
We honour Retry-After, otherwise back off exponentially with jitter, within a bound.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from msrest.exceptions import HttpOperationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from bot import telemetry
from bot.retry_after import header, parse_retry_after

log = logging.getLogger(__name__)

RETRYABLE = {412, 429, 502, 503, 504}
MAX_ATTEMPTS = 5
MAX_SECONDS = 30.0
MAX_RETRY_AFTER = 20.0
T = TypeVar("T")


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) or getattr(response, "status", None)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, HttpOperationError) and _status(exc) in RETRYABLE


_backoff = wait_random_exponential(multiplier=0.5, max=8)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    told = parse_retry_after(header(getattr(getattr(exc, "response", None), "headers", None)))
    delay = min(told, MAX_RETRY_AFTER) if told is not None else _backoff(state)
    if exc is not None and _status(exc) == 429:
        telemetry.count(telemetry.THROTTLED, backend="teams", what="connector")
    log.warning("connector call will be retried", extra={"status": _status(exc) if exc else None,
                                                           "attempt": state.attempt_number, "wait_s": round(delay, 2)})
    return delay


async def with_connector_retry(call: Callable[[], Awaitable[T]]) -> T:
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(_retryable),
        wait=_wait,
        stop=stop_after_attempt(MAX_ATTEMPTS) | stop_after_delay(MAX_SECONDS),
        reraise=True,
    ):
        with attempt:
            return await call()
    raise AssertionError("unreachable")  # pragma: no cover
