"""Service hook delivery: the events the world raises become notifications, POSTed to each matching subscription's
URL (loopback only), retried and, when they keep failing, the subscription is put on probation then disabled, as
Azure DevOps does (docs/service-hooks/troubleshoot.md; see sandbox/README.md, "Service hooks").

Retries are timed on the sandbox clock: a notification waits for its next attempt until the clock (moved by the
control API, or by wall time) reaches it. After every Azure DevOps call the sandbox looks for events and delivers in
the background; after every control operation it looks, delivers and waits for those deliveries to be answered, so
a test that moves the clock or makes an approval pending finds the deliveries made when the control call returns.
Every attempt is recorded in the request log (origin ``hooks``, method POST, the target's host and path).
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from .areas.hook_payloads import payload
from .state import hooks

if TYPE_CHECKING:
    from .server import Sandbox

log = logging.getLogger("sandbox.hooks")

TRANSIENT = {408, 502, 503, 504}
GONE = 410
TRANSIENT_DELAYS_S = (1, 2, 4, 8, 16, 32, 60, 60)  # up to 8 quick retries of a transient failure
PROBATION_DELAYS = tuple(timedelta(minutes=m) for m in (20, 40, 80, 160, 320, 640, 900))  # then disabledBySystem
TIMEOUT_S = 20.0  # undocumented in the service (azure-devops-docs #7416): an assumption
MAX_BODY_LOGGED = 1000


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HookDeliveries:
    """Finds the world's events and delivers their notifications."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._pumping: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task] = set()

    # ---- events ---------------------------------------------------------------------------------------------------
    def look(self) -> int:
        """Looks for events now (caller holds the sandbox lock); queues a notification per matching subscription.
        Returns how many were queued."""
        sandbox = self._sandbox
        world, now = sandbox.world, sandbox.clock.now()
        state = hooks.state_of(world)
        if not state.subscriptions:  # nothing to deliver to: no look (the world moves lazily, as without hooks);
            state.seen = None       # the look after the first subscription only notes what the world shows
            return 0
        queued = 0
        for event in hooks.observe(world, state, now):
            for subscription in list(state.subscriptions.values()):
                if not hooks.matches(subscription, event):
                    continue
                notification_id = state.next_notification_id
                state.next_notification_id += 1
                body = payload(world, sandbox.urls, event, subscription["id"], notification_id)
                state.notifications[notification_id] = {
                    "id": notification_id, "subscription_id": subscription["id"], "event_id": event.id,
                    "event_type": event.event_type, "publisher_id": event.publisher_id, "status": "queued",
                    "result": "pending", "created": now, "modified": now, "attempts": 0, "body": body,
                    "next_at": now, "transient_tries": 0, "probation_tries": 0}
                queued += 1
        return queued

    def after_call(self) -> None:
        """After an Azure DevOps call (sandbox lock held, on the event loop): look, and deliver in the background."""
        if self.look() or self._due():
            task = asyncio.get_running_loop().create_task(self.deliver_due())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """After a control operation: look, then deliver everything due and wait for the answers."""
        with self._sandbox.lock:
            self.look()
        await self.deliver_due()

    async def close(self) -> None:
        """Stops deliveries still running (the sandbox is stopping)."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _due(self) -> list[dict]:
        now = self._sandbox.clock.now()
        state = hooks.state_of(self._sandbox.world)
        return sorted((n for n in state.notifications.values()
                       if n["status"] != "completed" and n["next_at"] is not None and n["next_at"] <= now),
                      key=lambda n: (n["next_at"], n["id"]))

    # ---- delivery -------------------------------------------------------------------------------------------------
    async def deliver_due(self) -> None:
        """Attempts every notification that is due, one at a time (retries falling due meanwhile too)."""
        if self._pumping is None:
            self._pumping = asyncio.Lock()
        async with self._pumping:
            timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for _ in range(10_000):  # bounded: each round attempts one notification
                    with self._sandbox.lock:
                        due = self._due()
                        if not due:
                            return
                        notification = due[0]
                        world = self._sandbox.world
                        subscription = hooks.state_of(world).subscriptions.get(notification["subscription_id"])
                        if subscription is None or subscription["status"] not in ("enabled", "onProbation"):
                            notification.update(status="completed", result="filtered", next_at=None)
                            continue
                        notification.update(status="requestInProgress", attempts=notification["attempts"] + 1)
                        inputs = dict(subscription["consumerInputs"])
                    status, answer, error = await self._post(session, inputs, notification["body"])
                    with self._sandbox.lock:
                        if self._sandbox.world is world:  # a reset meanwhile: the old world's delivery is dropped
                            self._record(subscription, notification, inputs, status, answer, error)

    async def _post(self, session: aiohttp.ClientSession, inputs: dict[str, str], body: dict
                    ) -> tuple[int, str, str]:
        """(HTTP status or 0, the answer's start, an error message)."""
        url = inputs.get("url", "")
        parts = urlsplit(url)
        if not is_loopback_url(url):  # logged as a call that got no answer (status 0); nothing leaves the machine
            self._sandbox.request_log.record(method="POST", host=parts.netloc, origin="hooks", path=parts.path or "/",
                                             query=parts.query, status=0, ms=0.0)
            return 0, "", f"The sandbox runs offline and delivers only to loopback addresses, not to {parts.hostname}."
        headers = {"Content-Type": "application/json; charset=utf-8"}
        for line in inputs.get("httpHeaders", "").splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip():
                headers[name.strip()] = value.strip()
        user, password = inputs.get("basicAuthUsername", ""), inputs.get("basicAuthPassword", "")
        if user or password:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        started = time.perf_counter()
        status, answer, error = 0, "", ""
        try:
            async with session.post(url, data=json.dumps(body).encode("utf-8"), headers=headers) as response:
                status = response.status
                answer = (await response.text(errors="replace"))[:MAX_BODY_LOGGED]
        except TimeoutError:
            error = f"The request to {parts.hostname} timed out after {TIMEOUT_S:g} seconds."
        except aiohttp.ClientError as exc:
            error = f"The request to {parts.hostname} failed: {type(exc).__name__}."
        self._sandbox.request_log.record(method="POST", host=parts.netloc, origin="hooks", path=parts.path or "/",
                                         query=parts.query, status=status,
                                         ms=(time.perf_counter() - started) * 1000)
        return status, answer, error

    def _record(self, subscription: dict, notification: dict, inputs: dict, status: int, answer: str,
                error: str) -> None:
        at = notification["next_at"]  # retries are timed from when the attempt was due (the sandbox clock)
        now = self._sandbox.clock.now()
        notification.update(modified=now, request=f"POST {inputs.get('url', '')}",
                            response=f"{status} {answer}".strip() if status else "", errorMessage=error)
        if 200 <= status < 300:
            notification.update(status="completed", result="succeeded", next_at=None, errorMessage="")
            if subscription["status"] == "onProbation":  # a success re-enables
                subscription.update(status="enabled", probation_retries=0, last_probation_retry=None, modified=now)
            return
        if status == GONE:
            notification.update(status="completed", result="failed", next_at=None)
            subscription.update(status="disabledBySystem", modified=now)
            log.info("subscription %s disabled: its URL answered 410", subscription["id"])
            return
        if status in TRANSIENT and notification["transient_tries"] < len(TRANSIENT_DELAYS_S):
            delay = TRANSIENT_DELAYS_S[notification["transient_tries"]]
            notification.update(status="queued", next_at=at + timedelta(seconds=delay),
                                transient_tries=notification["transient_tries"] + 1)
            return
        self._enduring(subscription, notification, at, now)

    @staticmethod
    def _enduring(subscription: dict, notification: dict, at: datetime, now: datetime) -> None:
        """An enduring failure: the subscription is on probation; retried after 20 min … 15 h, then disabled."""
        tries = notification["probation_tries"]
        if tries < len(PROBATION_DELAYS):
            notification.update(status="queued", next_at=at + PROBATION_DELAYS[tries], probation_tries=tries + 1)
            if subscription["status"] == "enabled" or tries:
                subscription.update(status="onProbation", probation_retries=tries + (1 if tries else 0),
                                    last_probation_retry=now if tries else subscription["last_probation_retry"])
            return
        notification.update(status="completed", result="failed", next_at=None)
        subscription.update(status="disabledBySystem", probation_retries=tries, last_probation_retry=now,
                            modified=now)
        log.info("subscription %s disabled by the system after %d failed retries", subscription["id"], tries)
