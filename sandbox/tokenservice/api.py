"""The token service origin (plain HTTP on loopback): the user-token API botbuilder calls and the sign-in page.

    GET    /api/usertoken/GetToken            userId, connectionName, channelId, [code]  -> TokenResponse | 404
    DELETE /api/usertoken/SignOut             userId, [connectionName], [channelId]      -> 200
    GET    /api/usertoken/GetTokenStatus      userId, [channelId], [include]             -> [TokenStatus]
    POST   /api/usertoken/exchange            userId, connectionName, channelId; {uri, token} -> TokenResponse | 404
    GET    /api/botsignin/GetSignInResource   state -> SignInUrlResponse  (GetSignInUrl: the link alone)
    GET    /api/oauth/signin?signin=ID        the sign-in page; POST person=KEY signs in and shows the magic code

Anonymous calls are served (botbuilder sends no Authorization when the bot has no app id); a bearer token is
not checked.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp import web

from ..faults import FaultRule
from . import page
from .people import find_person, people
from .service import TokenService, TokenServiceError

if TYPE_CHECKING:
    from ..http.pipeline import Call


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def fault_response(rule: FaultRule) -> web.Response:
    """How the token service words an injected fault (ErrorResponse; Retry-After on 429)."""
    status = rule.status or 500
    headers = {"Retry-After": str(rule.retry_after if rule.retry_after is not None else 30)} if status == 429 else {}
    response = _error(status, "ServiceError", "The service is temporarily unavailable. Please try again.")
    response.headers.update(headers)
    return response


def make_answer(service: TokenService):
    """The token service origin's answer for the sandbox pipeline."""
    async def answer(call: Call, method: str) -> web.StreamResponse:
        route = _ROUTES.get((method, call.request.path.rstrip("/").lower()))
        if route is None:
            return _error(404, "NotFound", f"No route for {method} {call.request.path}")
        body = await call.request.read() if call.request.body_exists else b""
        with call.sandbox.lock:
            call.check_current()
            try:
                return route(service, call.request, body)
            except TokenServiceError as error:
                return _error(error.status, error.code, error.message)
    return answer


def _get_token(service: TokenService, request: web.Request, body: bytes) -> web.Response:
    query = request.query
    user_id, connection = service.user(query.get("userId")), service.connection(query.get("connectionName"))
    session = None
    if query.get("code"):
        session = service.redeem(user_id, connection, query["code"])
    session = session or service.current(user_id, connection)
    if session is None:
        return _error(404, "NotFound", "No token found for this user and connection.")
    return web.json_response(service.token_response(session, query.get("channelId")))


def _sign_out(service: TokenService, request: web.Request, body: bytes) -> web.Response:
    query = request.query
    connection = service.connection(query["connectionName"]) if query.get("connectionName") else None
    service.sign_out(service.user(query.get("userId")), connection)
    return web.Response(status=200)


def _token_status(service: TokenService, request: web.Request, body: bytes) -> web.Response:
    query = request.query
    return web.json_response(service.status(service.user(query.get("userId")), query.get("channelId"),
                                            query.get("include")))


def _exchange(service: TokenService, request: web.Request, body: bytes) -> web.Response:
    query = request.query
    user_id, connection = service.user(query.get("userId")), service.connection(query.get("connectionName"))
    try:
        exchange = json.loads(body or b"{}")
    except ValueError:
        return _error(400, "BadArgument", "The request body is not valid JSON.")
    token = exchange.get("token") if isinstance(exchange, dict) else None
    session = service.exchange(user_id, connection, token) if token else None
    if session is None:
        return _error(404, "NotFound", "The token could not be exchanged.")
    return web.json_response(service.token_response(session, query.get("channelId")))


def _sign_in_resource(service: TokenService, request: web.Request, body: bytes) -> web.Response:
    return web.json_response(service.sign_in_resource(request.query.get("state")))


def _sign_in_url(service: TokenService, request: web.Request, body: bytes) -> web.Response:
    return web.json_response(service.sign_in_resource(request.query.get("state"))["signInLink"])


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _sign_in_page(service: TokenService, request: web.Request, body: bytes) -> web.Response:
    pending = service.pending(request.query.get("signin"))
    if pending is None:
        return _html(page.link_expired(), 404)
    return _html(page.choose_person(pending.id, people(), pending.hint, pending.connection))


def _sign_in_chosen(service: TokenService, request: web.Request, body: bytes) -> web.Response:
    """The account was picked: shows the magic code (JSON ``{"code", "person"}`` when asked for JSON)."""
    pending = service.pending(request.query.get("signin"))
    if pending is None:
        return _html(page.link_expired(), 404)
    chosen = dict(parse_qsl(body.decode("utf-8", "replace"))).get("person", "")
    person = find_person(chosen)
    if person is None:
        return _html(page.unknown_person(chosen), 400)
    code = service.complete(pending.id, person)
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response({"code": code, "person": person.key})
    return _html(page.show_code(code, person))


_ROUTES = {
    ("GET", "/api/usertoken/gettoken"): _get_token,
    ("DELETE", "/api/usertoken/signout"): _sign_out,
    ("GET", "/api/usertoken/gettokenstatus"): _token_status,
    ("POST", "/api/usertoken/exchange"): _exchange,
    ("GET", "/api/botsignin/getsigninresource"): _sign_in_resource,
    ("GET", "/api/botsignin/getsigninurl"): _sign_in_url,
    ("GET", "/api/oauth/signin"): _sign_in_page,
    ("POST", "/api/oauth/signin"): _sign_in_chosen,
}
