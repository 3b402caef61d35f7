"""The blob origin (HTTPS): every call is forwarded to Azurite as it came, so the sandbox's log, faults and
resets cover blob storage too, while Azurite does the Blob REST (shared-key auth, ranges, listings) for real.

Calls that arrive before the models are in the store wait for them. A call that started before a reset is
dropped, as on the other origins. Writes mark the store changed, so that a reset restores it (and a reset
after reads only costs nothing). The answer is read whole before it is given back, so an ``after`` fault can
still replace it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from ..faults import FaultRule

if TYPE_CHECKING:
    from ..http.pipeline import Call
    from .service import AzureML

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
               "transfer-encoding", "upgrade", "content-length"}
_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


def storage_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """Blob storage's XML error body and ``x-ms-error-code`` header."""
    request_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    text = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\n'
            f"RequestId:{request_id}\nTime:{now.strftime('%Y-%m-%dT%H:%M:%S.%f')}0Z</Message></Error>")
    return web.Response(status=status, text=text, content_type="application/xml", headers={
        "x-ms-error-code": code, "x-ms-request-id": request_id, "Date": format_datetime(now, usegmt=True),
        **(headers or {})})


def blob_fault_response(rule: FaultRule) -> web.Response:
    """How Blob storage words an injected fault (503/429 ServerBusy, 500 InternalError, 504 OperationTimedOut)."""
    status = rule.status or 500
    headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
    if status in (429, 503):
        return storage_error(status, "ServerBusy", "The server is currently unable to receive requests. Please "
                             "retry your request.", headers)
    if status == 504:
        return storage_error(status, "OperationTimedOut", "The operation could not be completed within the "
                             "permitted time.", headers)
    return storage_error(status, "InternalError", "The server encountered an internal error. Please retry the "
                         "request.", headers)


def make_answer(azureml: AzureML):
    """The blob origin's answer for the sandbox pipeline."""
    async def answer(call: Call, method: str) -> web.StreamResponse:
        try:
            upstream = await azureml.blob_ready()
        except RuntimeError as exc:
            return storage_error(500, "InternalError", f"The sandbox's blob store is not available: {exc}")
        body = await call.request.read() if call.request.body_exists else None
        call.check_current()  # a reset meanwhile: the call belongs to the old world
        if method not in ("GET", "HEAD", "OPTIONS"):
            azureml.blob_store_changed = True
        return await _forward(azureml.http, upstream, call.request, method, body, azureml.blob_origin)
    return answer


async def _forward(session: aiohttp.ClientSession, upstream: str, request: web.Request, method: str,
                   body: bytes | None, public_origin: str) -> web.Response:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
    async with session.request(method, upstream + request.rel_url.raw_path_qs, headers=headers, data=body,
                               allow_redirects=False, auto_decompress=False,
                               skip_auto_headers=_AUTO_HEADERS) as response:
        content = await response.read()
        answer_headers = {k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP}
    if response.content_type == "application/xml" and upstream.encode() in content:
        content = content.replace(upstream.encode(), public_origin.encode())  # Azurite's own URL in listings
    if method == "HEAD" or response.status in (204, 304):
        # no body: keep the length the answer announced (for HEAD, the blob's size)
        length = response.headers.get("Content-Length")
        result = web.Response(status=response.status, headers=answer_headers)
        if length is not None:
            result.headers["Content-Length"] = length
        return result
    return web.Response(status=response.status, body=content, headers=answer_headers)
