"""How the outside world judges a stored credential: Entra ID for service principals, GitHub for tokens.

The verdicts carry the real services' error texts, so a client sees exactly what it would see
from Azure DevOps' TestConnection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ..clock import iso
from .world import World


@dataclass(frozen=True)
class Verdict:
    ok: bool
    status_code: str  # HttpStatusCode name as the service serialises it: "ok", "badRequest", "unauthorized"
    result: list[str]
    error: str = ""


@dataclass(frozen=True)
class EntraRefusal:
    """Why Entra ID refuses a client-credentials request: its OAuth error, AADSTS code, HTTP status and text."""

    error: str  # OAuth error: "invalid_client", "unauthorized_client", "invalid_request"
    code: int  # AADSTS number
    status: int
    message: str  # starts with "AADSTS<code>: "


def entra_refusal(world: World, tenant_id: str, app_id: str, secret: str | None,
                  now: datetime) -> EntraRefusal | None:
    """None if ``app_id`` gets a token from Entra ID with ``secret`` at ``now``, else the refusal Entra gives."""
    if (tenant_id or "").lower() not in (world.tenant_id.lower(), world.domain.lower()):
        return EntraRefusal("invalid_request", 90002, 400, f"AADSTS90002: Tenant '{tenant_id}' not found. Check to "
                            "make sure you have the correct tenant ID and are signing into the correct cloud.")
    app = world.entra_app(app_id)
    if app is None:
        return EntraRefusal("unauthorized_client", 700016, 400, f"AADSTS700016: Application with identifier "
                            f"'{app_id}' was not found in the directory '{world.domain}'. This can happen if the "
                            "application has not been installed by the administrator of the tenant or consented to "
                            "by any user in the tenant.")
    matching = next((s for s in app.secrets if secret and s.value == secret), None)
    if matching is None:
        return EntraRefusal("invalid_client", 7000215, 401, "AADSTS7000215: Invalid client secret provided. Ensure "
                            "the secret being sent in the request is the client secret value, not the client secret "
                            f"ID, for a secret added to app '{app.app_id}'.")
    if matching.expires <= now:
        return EntraRefusal("invalid_client", 7000222, 401, f"AADSTS7000222: The provided client secret keys for app "
                            f"'{app.app_id}' are expired. Visit the Azure portal to create new keys for your app: "
                            "https://aka.ms/NewClientSecret, or consider using certificate credentials for added "
                            "security: https://aka.ms/certCreds.")
    return None


def service_principal(world: World, now: datetime, tenant_id: str, app_id: str, secret: str | None) -> Verdict:
    """Can ``app_id`` get a token from Entra ID with ``secret``? (as Azure DevOps' TestConnection words it)"""
    refusal = entra_refusal(world, tenant_id, app_id, secret, now)
    if refusal is None:
        return Verdict(True, "ok", [])
    trace, correlation = uuid.uuid4(), uuid.uuid4()
    text = (f"Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: "
            f"{refusal.message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {iso(now)}")
    return Verdict(False, "badRequest", [], text)


def github_token(world: World, now: datetime, token: str | None) -> Verdict:
    found = world.github_token(token) if token else None
    if found is None or found.expires <= now:
        body = '{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}'
        return Verdict(False, "unauthorized", [],
                       "Failed to query service connection API: 'https://api.github.com/user'. Status Code: "
                       f"'Unauthorized', Response from server: '{body}'")
    return Verdict(True, "ok", [found.login])


def git_remote(world: World, now: datetime, url: str, password: str | None) -> Verdict:
    """An "Other Git" connection: can the remote be reached, and (when it is private) does it take the password?"""
    remote = world.remote(url)
    if remote is None:
        return Verdict(False, "notFound", [], f"Unable to connect to the remote Git repository '{url}': "
                                               "repository not found.")
    if remote["private"]:
        found = world.github_token(password) if password else None
        if found is None or found.expires <= now:
            return Verdict(False, "unauthorized", [], f"Authentication failed for the remote Git repository "
                                                       f"'{url}'. Check the user name and password (or token).")
    return Verdict(True, "ok", [])
