"""Injected faults: throttling, server errors, delays and dropped connections.

A rule matches by method and a regular expression searched in the request path, and also in
``path?query`` when the request has a query string (so a rule can single out one service
connection's TestConnection by the ``endpointId`` in its query). ``phase``
``"before"`` fails the call without running it; ``"after"`` runs it (its change takes effect)
and then fails the answer, so a client can show it never repeats a create that already
happened. ``count`` limits how many calls a rule hits (unlimited when absent).

Delayed calls are tracked (:class:`DelayedCalls`) so that stopping the sandbox cancels them
instead of waiting for a long ``delay_ms`` to run out, and a reset cancels them so that a call that
started in the old world never reaches the new one.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
import uuid
from dataclasses import dataclass

from aiohttp import web

from .http.errors import ServiceError

PHASES = ("before", "after")


@dataclass
class FaultRule:
    id: int
    method: str
    path_regex: re.Pattern
    status: int | None
    retry_after: int | None
    delay_ms: int
    count: int | None
    drop: bool
    phase: str

    def matches(self, method: str, path: str, query: str = "") -> bool:
        """Method, then the regex searched in the path, or in ``path?query`` when there is a query."""
        if self.method not in ("*", method):
            return False
        if self.path_regex.search(path):
            return True
        return bool(query) and bool(self.path_regex.search(f"{path}?{query}"))

    def describe(self) -> dict:
        return {
            "id": self.id, "method": self.method, "path_regex": self.path_regex.pattern,
            "status": self.status, "retry_after": self.retry_after, "delay_ms": self.delay_ms,
            "count": self.count, "drop": self.drop, "phase": self.phase,
        }


class FaultError(ValueError):
    """A fault rule that cannot be applied as given."""


def parse_rule(rule_id: int, spec: dict) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultError("a fault is a JSON object")
    unknown = set(spec) - {"method", "path_regex", "status", "retry_after", "delay_ms", "count", "drop", "phase"}
    if unknown:
        raise FaultError(f"unknown fault fields: {sorted(unknown)}")
    try:
        pattern = re.compile(spec.get("path_regex") or ".*", re.IGNORECASE)
    except re.error as exc:
        raise FaultError(f"path_regex does not compile: {exc}") from None
    status = spec.get("status")
    if status is not None and not (isinstance(status, int) and 400 <= status <= 599):
        raise FaultError("status must be an HTTP error status (400-599)")
    phase = spec.get("phase", "before")
    if phase not in PHASES:
        raise FaultError(f"phase must be one of {PHASES}")
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise FaultError("count must be a positive integer")
    delay_ms = spec.get("delay_ms") or 0
    if not isinstance(delay_ms, (int, float)) or delay_ms < 0:
        raise FaultError("delay_ms must be a non-negative number")
    drop = bool(spec.get("drop", False))
    if status is None and not drop and not delay_ms:
        raise FaultError("a fault needs a status, drop or delay_ms")
    retry_after = spec.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
        raise FaultError("retry_after must be a non-negative integer (seconds)")
    return FaultRule(rule_id, str(spec.get("method") or "*").upper(), pattern, status, retry_after,
                     int(delay_ms), count, drop, phase)


class FaultInjector:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, spec: dict) -> FaultRule:
        rule = parse_rule(next(self._ids), spec)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> int:
        with self._lock:
            removed, self._rules = len(self._rules), []
        return removed

    def rules(self) -> list[dict]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def take(self, phase: str, method: str, path: str, query: str = "") -> FaultRule | None:
        """The first rule for this call and phase, consuming one of its uses."""
        with self._lock:
            for rule in self._rules:
                if rule.phase == phase and rule.matches(method, path, query):
                    if rule.count is not None:
                        rule.count -= 1
                        if rule.count == 0:
                            self._rules.remove(rule)
                    return rule
        return None


class DelayCancelled(Exception):
    """A delayed call was cancelled: the sandbox is stopping, or the world was reset under it."""


class DelayedCalls:
    """The calls sleeping through a ``delay_ms`` fault right now (on the sandbox's event loop).

    ``cancel_all`` cancels them: at stop (and then refuses new delays, so stopping never waits for a long
    delay to run out) and at reset (a call that started in the old world must not reach the new one). Each
    cancelled call raises :class:`DelayCancelled` in its handler, which closes the connection without an
    answer.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()
        self._cancelling: set[asyncio.Task] = set()  # cancelled by us (not by aiohttp or the client)
        self._stopping = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._tasks)

    async def sleep(self, seconds: float) -> None:
        task = asyncio.current_task()
        if self._stopping or task is None:
            raise DelayCancelled()
        with self._lock:
            self._tasks.add(task)
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            with self._lock:
                ours = task in self._cancelling
                self._cancelling.discard(task)
            if ours:
                task.uncancel()
                raise DelayCancelled() from None
            raise
        finally:
            with self._lock:
                self._tasks.discard(task)
                self._cancelling.discard(task)

    def cancel_all(self, *, stopping: bool = False) -> int:
        """Cancels every call held by a delay now (thread-safe); ``stopping`` also refuses new delays."""
        with self._lock:
            if stopping:
                self._stopping = True
            tasks, self._tasks = list(self._tasks), set()
            self._cancelling.update(tasks)
        for task in tasks:
            loop = task.get_loop()
            if _running_loop() is loop:
                task.cancel()
            else:
                loop.call_soon_threadsafe(self._cancel_if_still_ours, task)
        return len(tasks)

    def _cancel_if_still_ours(self, task: asyncio.Task) -> None:
        with self._lock:
            still = task in self._cancelling
        if still:
            task.cancel()

    def reopen(self) -> None:
        self._stopping = False


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_FAULT_ERRORS = {
    429: ("TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource "
          "'ATCPU' in namespace 'User'. For more information on why your request was blocked, see the topic "
          "\"Rate limits\" on the Microsoft Web site (https://go.microsoft.com/fwlink/?LinkId=823950).",
          "RequestBlockedException"),
    500: ("TF400898: An Internal Error Occurred. Activity Id: {activity}.", "InternalServerErrorException"),
    503: ("TF400893: The service is temporarily unavailable. Please retry. Activity Id: {activity}.",
          "ServiceUnavailableException"),
}


def fault_response(rule: FaultRule) -> web.Response:
    """The answer the service gives for this status, with its headers."""
    activity = str(uuid.uuid4())
    status = rule.status or 500
    headers: dict[str, str] = {"ActivityId": activity}
    if status == 429:
        retry_after = rule.retry_after if rule.retry_after is not None else 30
        headers.update({
            "Retry-After": str(retry_after),
            "X-RateLimit-Resource": "ATCPU",
            "X-RateLimit-Delay": f"{float(retry_after):.3f}",
            "X-RateLimit-Limit": "200",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time()) + retry_after),
        })
    elif rule.retry_after is not None:
        headers["Retry-After"] = str(rule.retry_after)
    if status in (502, 504):
        page = f"<html><head><title>{status}</title></head><body><h1>{status} - Gateway error</h1></body></html>"
        return web.Response(status=status, text=page, content_type="text/html", headers=headers)
    message, type_key = _FAULT_ERRORS.get(
        status, (f"The request failed with status {status} (injected by the sandbox).", "VssServiceException"))
    return ServiceError(status, message.format(activity=activity), type_key, headers=headers).to_response()
