"""One origin's request pipeline: log -> faults -> the origin's answer (for Azure DevOps: auth -> route ->
api-version -> handler).

Every origin runs the same log and fault steps; what answers differs: the Azure DevOps origins (main, vssps,
vsaex, extmgmt, vsrm, unserved) answer from their own locations and handlers (a call that reaches the wrong
origin finds no route and gets the service's 404), the Azure ML origins (ARM, Entra, blob) from
``sandbox/azureml``. Each origin also says how its service words an injected fault (``fault_response``).

A call belongs to the world it started in (``Sandbox.generation``). After every point where it waits
(a ``delay_ms`` fault, reading the body) it checks that no reset happened meanwhile; if one did, its
connection is closed without an answer, the new world is not touched and nothing is logged, so a slow
call of one test never shows up in the next test's world or request log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from aiohttp import web

from ..faults import DelayCancelled, FaultRule, fault_response
from . import auth, callers, versioning
from .context import Reply, RequestContext
from .errors import ServiceError, bad_request, resource_not_found_page
from .routing import Router

if TYPE_CHECKING:
    from ..server import Sandbox

log = logging.getLogger("sandbox.http")

ControlHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


Answer = Callable[["Call", str], Awaitable[web.StreamResponse]]


@dataclass
class Origin:
    """One loopback origin: how it answers a call that passed the fault step, and how it words a fault."""

    key: str
    answer: Answer
    fault_response: Callable[[FaultRule], web.StreamResponse] = fault_response


def devops_origin(key: str, locations: tuple[dict, ...], router: Router) -> Origin:
    """An Azure DevOps host: PAT auth, OPTIONS from its locations, routes compiled from their templates."""
    async def answer(call: Call, method: str) -> web.StreamResponse:
        return await _answer(call, key, locations, router, method)
    return Origin(key, answer)


def json_response(body, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    payload = b"" if body is None and status == 204 else json.dumps(body).encode("utf-8")
    return web.Response(status=status, body=payload, content_type="application/json", charset="utf-8",
                        headers=headers or {})


def make_handler(sandbox: Sandbox, origin: Origin, control: ControlHandler | None):
    async def handle(request: web.Request) -> web.StreamResponse:
        if control is not None and request.path.lower().startswith("/_sandbox"):
            return await control(request)
        started = time.perf_counter()
        call = Call(sandbox, request, sandbox.generation)
        status = 0
        logged = True
        try:
            response = await _serve(call, origin)
            status = response.status
            return response
        except _Stale:
            logged = False  # a call of a world that a reset replaced: as if it never reached this one
            return web.Response(status=599)
        except _Dropped:
            status = 0  # the transport is gone: nothing will be written
            return web.Response(status=599)
        finally:
            if logged:
                sandbox.request_log.record(
                    method=request.method, host=request.host, origin=origin.key, path=request.path,
                    query=request.query_string, status=status, ms=(time.perf_counter() - started) * 1000)
    return handle


class _Dropped(Exception):
    """The connection was dropped on purpose (an injected fault, or the sandbox stopping)."""


class _Stale(_Dropped):
    """The call started before a reset: its connection was dropped and it is not logged."""


@dataclass
class Call:
    """One call in the pipeline, and the world generation it started in."""

    sandbox: Sandbox
    request: web.Request
    generation: int

    def abort(self, error: type[_Dropped] = _Dropped) -> _Dropped:
        if self.request.transport is not None:
            self.request.transport.abort()
        return error()

    def check_current(self) -> None:
        """Raises :class:`_Stale` (closing the connection) if the world was reset since the call started."""
        if self.sandbox.generation != self.generation:
            raise self.abort(_Stale)


async def _apply_fault(call: Call, origin: Origin, rule: FaultRule) -> web.StreamResponse | None:
    if rule.delay_ms:
        try:
            await call.sandbox.delays.sleep(rule.delay_ms / 1000)
        except DelayCancelled:  # a reset or the sandbox stopping: close the connection without an answer
            call.check_current()
            raise call.abort() from None
        call.check_current()
    if rule.drop:
        raise call.abort()
    if rule.status:
        return origin.fault_response(rule)
    return None


async def _serve(call: Call, origin: Origin) -> web.StreamResponse:
    sandbox, request = call.sandbox, call.request
    method = request.method.upper()
    path, query = request.path, request.query_string
    if request.body_exists:
        # As the service does: a call whose request has arrived is carried out, even when its client disconnects
        # (or is killed) while the call is held; the body is read now, so nothing later depends on the client.
        try:
            await request.read()
        except (ConnectionError, asyncio.CancelledError, web.HTTPException):
            raise
        except Exception:  # noqa: BLE001 - a body that never fully arrived: the call did not reach the service
            raise call.abort() from None
    rule = sandbox.faults.take("before", method, path, query)
    if rule:
        failed = await _apply_fault(call, origin, rule)
        if failed is not None:
            return failed
    response = await origin.answer(call, method)
    rule = sandbox.faults.take("after", method, path, query)
    if rule:
        failed = await _apply_fault(call, origin, rule)
        if failed is not None:
            return failed
    return response


async def _answer(call: Call, key: str, locations: tuple[dict, ...], router: Router,
                  method: str) -> web.StreamResponse:
    sandbox, request = call.sandbox, call.request
    headers = {"ActivityId": str(uuid.uuid4()), "X-TFS-ProcessId": sandbox.process_id,
               "X-VSS-E2EID": str(uuid.uuid4())}
    authorization = request.headers.get("Authorization")
    caller = callers.identify(sandbox, authorization)
    if caller.storage_key is None:
        return auth.unauthorized(sandbox.urls.of(key), supplied=authorization is not None, detail=caller.refusal)

    segments = request.rel_url.raw_path.strip("/").split("/")
    if not segments or unquote(segments[0]).lower() != sandbox.organization.lower():
        if method == "OPTIONS" and [s.lower() for s in segments] == ["_apis"]:
            # The SDK's deployment-level lookup: nothing is registered above the organization.
            return json_response({"count": 0, "value": []}, headers=headers)
        return resource_not_found_page(request.path)
    relative = "/" + "/".join(segments[1:])

    if method == "OPTIONS":
        if relative.lower().rstrip("/") == "/_apis":
            return json_response({"count": len(locations), "value": list(locations)}, headers=headers)
        return resource_not_found_page(request.path)

    match = router.resolve(method, relative)
    if match is None:
        return resource_not_found_page(request.path)
    try:
        version = versioning.negotiate(
            versioning.requested_version(request.headers.get("Accept"), request.query.get("api-version")),
            method, match.location)
        raw_body = await _read_body(request)
        with sandbox.lock:
            call.check_current()  # reset while the body was read: the call belongs to the old world
            context = RequestContext(
                method=method, world=sandbox.world, now=sandbox.clock.now(), urls=sandbox.urls,
                location=match.location, values=match.values, query=request.query, version=version,
                raw_body=raw_body, pat_owner=caller.storage_key,
            )
            reply = match.handler(context)
            sandbox.hooks.after_call()  # service hooks: events this call (or the clock) caused are delivered
    except ServiceError as error:
        error.headers = {**headers, **error.headers}
        return error.to_response()
    if not isinstance(reply, Reply):
        reply = Reply(reply)
    if reply.status == 204 or (reply.body is None and method in ("DELETE", "HEAD")):
        return web.Response(status=reply.status if reply.status != 200 else 204, headers={**headers, **reply.headers})
    return json_response(reply.body, reply.status, {**headers, **reply.headers})


async def _read_body(request: web.Request):
    """The parsed JSON body; the bytes as sent for an ``application/octet-stream`` upload; None when empty."""
    if not request.body_exists:
        return None
    raw = await request.read()  # read (and kept) by _serve before any fault held the call
    if request.content_type == "application/octet-stream":
        return raw or None
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}", "VssRequestContentException") from None
