"""The project's own retry policy for calls to a backend (Azure DevOps, Azure ML): the SDKs' own retries are
switched off, so one attempt is one HTTP request and these rules are the only ones.

Rules, in one place:

* Only *transient* failures are retried: 429, 500, 502, 503, 504, timeouts and dropped connections
  (``Failure.transient``). 400/401/403/404/409 are answers, not accidents, and are never repeated.
* ``Retry-After`` (seconds or an HTTP date) is honoured exactly: the next attempt waits that long. When it asks
  for more than what is left of the time budget, the policy gives up at once and the caller says "try again
  in N s" instead of holding the user's turn.
* Otherwise: exponential backoff with *full jitter* (``uniform(0, min(cap, base * 2**n))``), bounded by a number
  of attempts and a total time budget.
* An idempotent call (a GET, a PUT of the same state) is simply tried again.
* A non-idempotent call (a POST that creates) is NEVER repeated blindly: before any retry, ``verify()`` asks the
  service whether the failed attempt took effect anyway (a 503 after the repository was created, a dropped
  connection after the POST arrived). If it did, its result is returned and the create is not sent again. A
  non-idempotent call without ``verify`` is never retried.

How it combines with msrest (Azure DevOps): the client sets urllib3's retries to 0 on every SDK client (see
devops/client.py), so each attempt here is exactly one HTTP request and the request log shows every attempt.

The policy is pure apart from ``sleep`` and ``clock`` (injected; tests use a fake clock).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from bot.errors import UserFacingError

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class Failure(Exception):
    """One failed attempt at an Azure DevOps call, described without SDK types.

    ``status`` is the HTTP status (None when no answer arrived), ``kind`` one of "http", "timeout",
    "connection", "auth"; ``retry_after`` the server's Retry-After in seconds, if it sent one.
    """

    def __init__(self, message: str, *, status: int | None = None, kind: str = "http", type_key: str = "",
                 retry_after: float | None = None, ambiguous: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.kind = kind
        self.type_key = type_key
        self.retry_after = retry_after
        # Ambiguous: the request may have been carried out (no answer, or a failure reported after the work).
        self._ambiguous = ambiguous

    @property
    def transient(self) -> bool:
        return self.kind in ("timeout", "connection") or (self.kind == "http" and self.status in TRANSIENT_STATUSES)

    @property
    def ambiguous(self) -> bool:
        if self._ambiguous is not None:
            return self._ambiguous
        return self.kind in ("timeout", "connection") or (self.status is not None and self.status >= 500)


class GaveUp(Exception):
    """The policy stopped retrying; ``last`` is the last failure. ``unsure``: a write whose failed attempt may have
    taken effect, and whose check (``verify``) could not tell."""

    def __init__(self, last: Failure, attempts: int, reason: str, *, unsure: bool = False) -> None:
        super().__init__(f"{reason} after {attempts} attempt(s): {last.message}")
        self.last = last
        self.attempts = attempts
        self.reason = reason
        self.unsure = unsure


class _Unverifiable(Exception):
    """The check of whether a failed write took effect failed too."""


@dataclass
class RetryPolicy:
    max_attempts: int = 4
    max_total_s: float = 12.0  # a user is waiting: stay within a Teams invoke's patience
    base_s: float = 0.5
    cap_s: float = 4.0
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**(attempt-1))) for the wait after attempt ``attempt``."""
        return self.rng.uniform(0.0, min(self.cap_s, self.base_s * (2 ** (attempt - 1))))

    def wait_after(self, failure: Failure, attempt: int) -> float:
        if failure.retry_after is not None:
            return failure.retry_after
        return self.backoff(attempt)

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        verify: Callable[[], Awaitable[T | None]] | None = None,
        what: str = "call",
    ) -> T:
        """Runs ``attempt`` under the policy. Raises GaveUp (transient failure, budget spent) or the Failure."""
        started = self.clock()
        state: dict[str, Any] = {"failed_before": False, "stop_reason": ""}

        # tenacity asks for the wait first, then whether to stop: the stop decision uses that wait.
        def _wait(retry_state: RetryCallState) -> float:
            exc = retry_state.outcome.exception() if retry_state.outcome else None
            wait = self.wait_after(exc, retry_state.attempt_number) if isinstance(exc, Failure) else 0.0
            state["next_wait"] = wait
            return wait

        def _stop(retry_state: RetryCallState) -> bool:
            exc = retry_state.outcome.exception() if retry_state.outcome else None
            if not isinstance(exc, Failure):
                return True
            if not idempotent and verify is None:
                state["stop_reason"] = "not retried (a create is never repeated without a check)"
                return True
            if retry_state.attempt_number >= self.max_attempts:
                state["stop_reason"] = "gave up"
                return True
            wait = state.get("next_wait", 0.0)
            if self.clock() - started + wait > self.max_total_s:
                state["stop_reason"] = "retry-after beyond the time budget" if exc.retry_after else "time budget spent"
                return True
            return False

        def _before_sleep(retry_state: RetryCallState) -> None:
            exc = retry_state.outcome.exception() if retry_state.outcome else None
            log.warning("backend call failed, retrying", extra={
                "what": what, "attempt": retry_state.attempt_number, "status": getattr(exc, "status", None),
                "failure": getattr(exc, "kind", ""), "wait_s": round(retry_state.upcoming_sleep, 3)})

        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, Failure) and e.transient),
            stop=_stop,
            wait=_wait,
            sleep=self.sleep,
            before_sleep=_before_sleep,
            reraise=True,
        )

        async def checked() -> T | None:
            """What ``verify`` found; a check that fails itself cannot tell (the caller then says so)."""
            assert verify is not None
            try:
                return await verify()
            except (Failure, UserFacingError) as exc:
                log.warning("could not check whether a failed write took effect", extra={"what": what})
                raise _Unverifiable() from exc

        async def _one() -> T:
            if state["failed_before"] and not idempotent and verify is not None:
                found = await checked()
                if found is not None:
                    log.info("the failed attempt had taken effect; not repeating it", extra={"what": what})
                    return found
            try:
                return await attempt()
            except Failure as failure:
                state["failed_before"], state["last"] = True, failure
                raise

        attempts = 0
        result: T | None = None
        try:
            async for attempt_ctx in retrying:
                attempts = attempt_ctx.retry_state.attempt_number
                with attempt_ctx:
                    result = await _one()
        except _Unverifiable as unverifiable:
            last = state["last"]
            raise GaveUp(last, attempts, "could not check whether it took effect", unsure=True) from unverifiable
        except Failure as last:
            if not last.transient:
                raise
            if not idempotent and verify is not None and last.ambiguous:
                # One last look: the create may have taken effect on the final attempt.
                try:
                    found = await checked()
                except _Unverifiable:
                    raise GaveUp(last, attempts, "could not check whether it took effect", unsure=True) from last
                if found is not None:
                    log.info("the failed attempt had taken effect", extra={"what": what})
                    return found
            raise GaveUp(last, attempts, state["stop_reason"] or "gave up") from last
        return result  # type: ignore[return-value]


class Tries:
    """Counts a call's attempts and throttled answers (429) for telemetry (bot.telemetry): wrap the attempt with
    ``counted``, then say how the call ``ended``; the span gets status, attempts and throttled, the metrics the
    call's outcome and each 429."""

    def __init__(self, span: Any, *, backend: str, operation: str) -> None:
        self.span = span
        self.backend = backend
        self.operation = operation
        self.attempts = 0
        self.throttled = 0

    def counted(self, attempt: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
        async def one() -> T:
            self.attempts += 1
            try:
                return await attempt()
            except Failure as failure:
                if failure.status == 429:
                    self.throttled += 1
                    from bot import telemetry

                    telemetry.count(telemetry.THROTTLED, backend=self.backend, operation=self.operation)
                raise

        return one

    def ended(self, outcome: str, status: int | None = None) -> None:
        from bot import telemetry

        self.span.set(outcome=outcome, status=status, attempts=self.attempts, throttled=self.throttled)
        if outcome != "ok":
            self.span.failed(outcome)
        telemetry.count(telemetry.BACKEND_CALLS, backend=self.backend, outcome=outcome)
