"""The Entra ID origin (HTTPS): OpenID metadata, signing keys and the client-credentials grant.

    GET  /{tenant}/v2.0/.well-known/openid-configuration    what MSAL (azure-identity) reads first
    GET  /{tenant}/.well-known/openid-configuration         the v1 form
    GET  /{tenant}/discovery/v2.0/keys                      jwks_uri
    POST /{tenant}/oauth2/v2.0/token                        grant_type=client_credentials, client_id,
                                                            client_secret, scope={resource}/.default

Tokens go to the tenant's app registrations (``sandbox/world/credentials.json``) with a valid, unexpired secret
(per the sandbox clock); refusals carry Entra's AADSTS codes and texts. The resource of the scope must be one the
sandbox's ARM accepts (see ``arm_auth.audiences``), else AADSTS500011. Instance discovery (MSAL's call to
login.microsoftonline.com for an authority it does not know) cannot be served here: clients pass
``disable_instance_discovery=True``.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp import web

from ..clock import iso
from ..faults import FaultRule
from ..state.credentials import entra_refusal
from . import arm_auth
from .seed import service_principal_object_id

if TYPE_CHECKING:
    from ..http.pipeline import Call
    from .service import AzureML

_ROUTE = re.compile(r"^/(?P<tenant>[^/]+)(?P<rest>/.*)$")


class EntraError(Exception):
    """An OAuth error answer of Entra ID."""

    def __init__(self, status: int, error: str, code: int, message: str, now_text: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.code, self.message, self.now_text = status, error, code, message, now_text
        self.headers = headers or {}

    def to_response(self) -> web.Response:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        body = {"error": self.error,
                "error_description": f"{self.message} Trace ID: {trace} Correlation ID: {correlation} "
                                     f"Timestamp: {self.now_text}",
                "error_codes": [self.code], "timestamp": self.now_text, "trace_id": trace,
                "correlation_id": correlation, "error_uri": f"https://login.microsoftonline.com/error?code={self.code}"}
        return web.json_response(body, status=self.status, headers=self.headers)


def entra_fault_response(rule: FaultRule) -> web.Response:
    """How Entra words an injected fault: a transient error (AADSTS90033), with Retry-After when given."""
    status = rule.status or 500
    headers = {"Retry-After": str(rule.retry_after if rule.retry_after is not None else 30)} \
        if status == 429 or rule.retry_after is not None else {}
    error = "temporarily_unavailable" if status in (429, 503) else "server_error"
    return EntraError(status, error, 90033, "AADSTS90033: A transient error has occurred. Please try again.",
                      iso(datetime.now(UTC)) or "", headers).to_response()


def openid_configuration(authority: str, tenant: str) -> dict:
    base = f"{authority}/{tenant}"
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base}/openid/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver", "oid"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "sandbox.local",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    }


def make_answer(azureml: AzureML):
    """The Entra origin's answer for the sandbox pipeline."""
    async def answer(call: Call, method: str) -> web.StreamResponse:
        now_text = iso(call.sandbox.clock.now()) or ""
        try:
            return await _answer(azureml, call, method, now_text)
        except EntraError as error:
            return error.to_response()
    return answer


def _tenant_known(azureml: AzureML, tenant: str) -> bool:
    world = azureml.tenant()
    return tenant.lower() in (world.tenant_id.lower(), world.domain.lower())


async def _answer(azureml: AzureML, call: Call, method: str, now_text: str) -> web.StreamResponse:
    found = _ROUTE.match(call.request.path)
    if found is None:
        return _not_found()
    tenant, rest = found.group("tenant"), found.group("rest").rstrip("/").lower()
    if method == "GET" and rest in ("/v2.0/.well-known/openid-configuration", "/.well-known/openid-configuration"):
        if not _tenant_known(azureml, tenant):
            raise EntraError(400, "invalid_tenant", 90002, f"AADSTS90002: Tenant '{tenant}' not found. Check to "
                             "make sure you have the correct tenant ID and are signing into the correct cloud.",
                             now_text)
        return web.json_response(openid_configuration(azureml.authority, azureml.tenant().tenant_id))
    if method == "GET" and rest == "/discovery/v2.0/keys":
        return web.json_response(azureml.signer.jwks())
    if method == "POST" and rest == "/oauth2/v2.0/token":
        form = dict(parse_qsl((await call.request.read()).decode("utf-8", "replace"), keep_blank_values=True))
        with call.sandbox.lock:
            call.check_current()
            return _grant(azureml, call, tenant, form, now_text)
    return _not_found()


def _not_found() -> web.Response:
    return web.Response(status=404, text="<html><body><h1>404 - Not Found</h1></body></html>",
                        content_type="text/html")


def _grant(azureml: AzureML, call: Call, tenant: str, form: dict[str, str], now_text: str) -> web.Response:
    if form.get("grant_type") != "client_credentials":
        raise EntraError(400, "unsupported_grant_type", 70003, "AADSTS70003: The app requested an unsupported grant "
                         f"type '{form.get('grant_type', '')}'. The sandbox's Entra ID serves client_credentials.",
                         now_text)
    if not form.get("client_id"):
        raise EntraError(400, "invalid_request", 900144, "AADSTS900144: The request body must contain the following "
                         "parameter: 'client_id'.", now_text)
    now = call.sandbox.clock.now()
    world = azureml.tenant()
    refusal = entra_refusal(world, tenant, form["client_id"], form.get("client_secret"), now)
    if refusal is not None:
        raise EntraError(refusal.status, refusal.error, refusal.code, refusal.message, now_text)
    resource = _resource(form.get("scope"), now_text)
    if resource not in arm_auth.audiences(azureml.arm_origin):
        raise EntraError(400, "invalid_resource", 500011, f"AADSTS500011: The resource principal named {resource} "
                         f"was not found in the tenant named {world.domain}. This can happen if the application has "
                         "not been installed by the administrator of the tenant or consented to by any user in the "
                         "tenant. You might have sent your authentication request to the wrong tenant.", now_text)
    app = world.entra_app(form["client_id"])
    token, lifetime = azureml.signer.issue(
        issuer=f"{azureml.authority}/{world.tenant_id}/v2.0", audience=resource, tenant_id=world.tenant_id,
        object_id=service_principal_object_id(app.app_id), app_id=app.app_id, now=now)
    return web.json_response({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                              "access_token": token}, headers={"Cache-Control": "no-store, no-cache"})


def _resource(scope: str | None, now_text: str) -> str:
    """The resource of a client-credentials scope (``{resource}/.default``; OIDC scopes alongside are ignored)."""
    scopes = [s for s in (scope or "").split() if s not in ("openid", "profile", "offline_access")]
    if not scopes:
        raise EntraError(400, "invalid_request", 900144, "AADSTS900144: The request body must contain the following "
                         "parameter: 'scope'.", now_text)
    if len(scopes) > 1 or not scopes[0].endswith("/.default"):
        raise EntraError(400, "invalid_scope", 1002012, f"AADSTS1002012: The provided value for scope {scope} is not "
                         "valid. Client credential flows must have a scope value with /.default suffixed to the "
                         "resource identifier (application ID URI).", now_text)
    return scopes[0][: -len("/.default")]
