"""The HTTP front of /api/messages: status codes a channel (or an attacker) should get, and the adapter.

Fixes, in this one place, what botbuilder 4.17.1's aiohttp CloudAdapter gets wrong:
- every invoke answer with a body (so every adaptiveCard/action) became HTTP 500, because the body was
  already serialised to a dict and was serialised again;
- a malformed bearer token gave 500 (PyJWT errors are not PermissionError), a missing Content-Type 500;
- without an app id it would POST replies to any serviceUrl a request names (request forgery): now only a
  serviceUrl that bot/loopback.py reads as loopback is answered (403 otherwise), and every client botbuilder
  sends with is confined to loopback connections (bot/outbound.py);
- it used the first of several Authorization headers and accepted tokens without `exp` (bot/bearer.py);
- msrest spends ~3 ms of CPU building each connector client's retry policy (two per turn);
- it fetches the channel's signing keys with blocking `requests.get` (no timeout) inside the event loop,
  stalling every conversation while Microsoft's key endpoint answers: replaced by an aiohttp fetch;
- hostile bodies (deep nesting, numbers Python cannot read, lone surrogates, wrong-typed or missing fields)
  gave 500: a body is read within bounds and checked against the schema before anything else
  (bot.json_body, bot.activity_shape);
- each turn's HTTP clients waited up to 100 s on a dead reply target, retried a refused connection with
  back-off and were never closed (bot.turn_clients);
- its process-wide caches were unbounded dicts (bot.sdk_caches).
"""

from __future__ import annotations

import logging
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import jwt
from aiohttp import ClientError, ClientSession, ClientTimeout, web
from botbuilder.core import Bot, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult
from botframework.connector.auth.jwt_token_extractor import _OpenIdMetadata
from msrest.serialization import Model
from msrest.universal_http.requests import ClientRetryPolicy

from bot import sdk_caches, turn_clients
from bot.activity_shape import shape_problem
from bot.bearer import TokenRefused, bearer_token, verified_claims_complete
from bot.json_body import BodyRejected, parse_json_object
from bot.loopback import DestinationRefused, loopback_url_addresses
from bot.outbound import LoopbackOnlyAuthentication
from bot.settings import Settings

log = logging.getLogger(__name__)


def bot_framework_configuration(settings: Settings) -> SimpleNamespace:
    """Maps our settings to the attribute names botbuilder's configuration objects read."""
    config: dict[str, Any] = {
        "APP_ID": settings.app_id,
        "APP_PASSWORD": settings.app_password.get_secret_value(),
        "APP_TYPE": settings.app_type,
        "APP_TENANTID": settings.app_tenant_id,
    }
    if settings.openid_metadata_url:
        config["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"] = settings.openid_metadata_url
        config["TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL"] = settings.openid_metadata_url
    if settings.token_issuer:
        config["TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"] = settings.token_issuer
    return SimpleNamespace(**config)


OPENID_TIMEOUT = ClientTimeout(total=10)


async def _refresh_signing_keys(self: _OpenIdMetadata) -> None:
    """Non-blocking replacement for botbuilder's _OpenIdMetadata._refresh (same cache fields)."""
    async with ClientSession(timeout=OPENID_TIMEOUT) as session:
        async with session.get(self.url) as response:
            response.raise_for_status()
            keys_url = (await response.json(content_type=None))["jwks_uri"]
        async with session.get(keys_url) as response:
            response.raise_for_status()
            keys = (await response.json(content_type=None))["keys"]
    self.keys = keys
    self.last_updated = datetime.now()


_OpenIdMetadata._refresh = _refresh_signing_keys
sdk_caches.bound_sdk_caches()

# msrest rebuilds its retry status list for every client by testing 999 codes against this 502-item list
# (3.3 ms of CPU each; botbuilder builds two clients per turn, over half of a turn's CPU). A frozenset gives
# the same answers in microseconds.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def read_activity(request: web.Request) -> Activity | web.Response:
    """The request's activity, or the 4xx answer saying why there is none (bounds checked before parsing).

    Size: aiohttp's client_max_size (413) while reading; then bot.json_body (UTF-8, depth, strict JSON) and
    bot.activity_shape (field types, required ids) before botbuilder deserialises anything.
    """
    if request.content_type != "application/json":
        return _json_error(415, "Content-Type must be application/json")
    if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
        return _json_error(415, "the body must be UTF-8 JSON")
    try:
        body = parse_json_object(await request.read())
    except BodyRejected as exc:
        return _json_error(400, exc.reason)
    problem = shape_problem(body)
    if problem:
        return _json_error(400, problem)
    try:
        return Activity().deserialize(body)
    except (ValueError, TypeError, AttributeError, KeyError):  # msrest's DeserializationError is a ValueError
        return _json_error(400, "the body is not an activity")


class TokenServiceAuthentication(ConfigurationBotFrameworkAuthentication):
    """botbuilder's authentication, with the user token client (per-user sign-in) sent to OAUTH_URL.

    Giving botbuilder ``OAUTH_URL`` in its configuration would select its parameterized authentication, which
    uses only the values given and fails every request without an app id (../shared/notes/user-sign-in.md,
    "Traps"); so the URL is applied here, to the one client it concerns. Without an app id (local runs: the
    settings allow only a loopback OAUTH_URL then) the client calls anonymously with app id "", which botbuilder
    needs to build a sign-in link at all."""

    def __init__(self, configuration: Any, oauth_url: str) -> None:
        super().__init__(configuration)
        self._oauth_url = oauth_url

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        from botframework.connector.auth import MicrosoftAppCredentials
        from botframework.connector.auth._user_token_client_impl import _UserTokenClientImpl

        inner = await super().create_user_token_client(claims_identity)
        app_id = getattr(inner, "_app_id", None) or ""
        credentials = inner._client.config.credentials if app_id else MicrosoftAppCredentials.empty()
        return _UserTokenClientImpl(app_id, credentials, self._oauth_url)


class EdgeAdapter(CloudAdapter):
    def __init__(self, settings: Settings) -> None:
        configuration = bot_framework_configuration(settings)
        super().__init__(TokenServiceAuthentication(configuration, settings.oauth_url) if settings.oauth_url
                         else ConfigurationBotFrameworkAuthentication(configuration))
        self._settings = settings
        if not settings.auth_enabled:
            self.bot_framework_authentication = LoopbackOnlyAuthentication(self.bot_framework_authentication)

    async def _authenticate(self, request: web.Request, activity: Activity
                            ) -> AuthenticateRequestResult | web.Response:
        """The request's single bearer token checked (bot/bearer.py), and in local mode its serviceUrl too."""
        if not self._settings.auth_enabled:
            try:
                await loopback_url_addresses(activity.service_url)
            except DestinationRefused as exc:
                log.warning("refused: unauthenticated mode only answers loopback service URLs",
                            extra={"activity_type": activity.type, "reason": str(exc)[:200]})
                return _json_error(403, "without MicrosoftAppId only loopback serviceUrls are answered")
        try:
            token = bearer_token(request.headers.getall("Authorization", []))
        except TokenRefused as exc:
            log.warning("refused: inbound token not valid", extra={"reason": str(exc)})
            return _json_error(401, "unauthorized")
        if token is not None and not self._settings.auth_enabled:
            log.warning("refused: a token without MicrosoftAppId, nothing it could be addressed to")
            return _json_error(401, "unauthorized")
        try:
            authenticated = await self.bot_framework_authentication.authenticate_request(
                activity, f"Bearer {token}" if token is not None else None)
        except (PermissionError,  # before OSError, its base class
                jwt.PyJWTError, ValueError, KeyError) as exc:
            log.warning("refused: inbound token not valid", extra={"reason": type(exc).__name__})
            return _json_error(401, "unauthorized")
        except (ClientError, OSError, TimeoutError) as exc:
            log.error("cannot reach the token signing keys", extra={"reason": type(exc).__name__})
            return _json_error(503, "cannot validate tokens right now")
        except Exception as exc:  # noqa: BLE001 - botbuilder raises bare Exception for bad endorsements/claims
            log.warning("refused: inbound token not valid", extra={"reason": str(exc)[:80]})
            return _json_error(401, "unauthorized")
        if token is not None and not verified_claims_complete(authenticated.claims_identity.claims):
            log.warning("refused: inbound token not valid", extra={"reason": "verified claims lack exp"})
            return _json_error(401, "unauthorized")
        return authenticated

    async def run_pipeline(self, context: TurnContext, callback: Any = None) -> Any:
        """Every turn, inbound or proactive: its connector calls bounded in time, its HTTP sessions closed after."""
        keys = (self.BOT_CONNECTOR_CLIENT_KEY, self.USER_TOKEN_CLIENT_KEY)
        turn_clients.bound_in_time(context.turn_state, *keys)
        try:
            return await super().run_pipeline(context, callback)
        finally:
            turn_clients.close(context.turn_state)

    async def process(self, request: web.Request, bot: Bot, ws_response: web.WebSocketResponse | None = None
                      ) -> web.Response:
        if request.method != "POST":
            return _json_error(405, "POST an activity")
        activity_or_error = await read_activity(request)
        if isinstance(activity_or_error, web.Response):
            return activity_or_error
        activity = activity_or_error

        authenticated = await self._authenticate(request, activity)
        if isinstance(authenticated, web.Response):
            return authenticated

        invoke_response = await self.process_activity(authenticated, activity, bot.on_turn)
        if invoke_response is None:
            return web.Response(status=201)
        payload = invoke_response.body
        if isinstance(payload, Model):
            payload = serializer_helper(payload)
        if payload is None:
            return web.Response(status=invoke_response.status)
        return web.json_response(payload, status=invoke_response.status)
