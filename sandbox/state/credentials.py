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


def _aad_failure(message: str, now: datetime) -> Verdict:
    trace, correlation = uuid.uuid4(), uuid.uuid4()
    text = (f"Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: "
            f"{message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {iso(now)}")
    return Verdict(False, "badRequest", [], text)


def service_principal(world: World, now: datetime, tenant_id: str, app_id: str, secret: str | None) -> Verdict:
    """Can ``app_id`` get a token from Entra ID with ``secret``?"""
    if (tenant_id or "").lower() != world.tenant_id.lower():
        return _aad_failure(f"AADSTS90002: Tenant '{tenant_id}' not found. Check to make sure you have the correct "
                            "tenant ID and are signing into the correct cloud.", now)
    app = world.entra_app(app_id)
    if app is None:
        return _aad_failure(f"AADSTS700016: Application with identifier '{app_id}' was not found in the directory "
                            f"'{world.domain}'. This can happen if the application has not been installed by the "
                            "administrator of the tenant or consented to by any user in the tenant.", now)
    matching = next((s for s in app.secrets if secret and s.value == secret), None)
    if matching is None:
        return _aad_failure("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                            "request is the client secret value, not the client secret ID, for a secret added to "
                            f"app '{app.app_id}'.", now)
    if matching.expires <= now:
        return _aad_failure(f"AADSTS7000222: The provided client secret keys for app '{app.app_id}' are expired. "
                            "Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, "
                            "or consider using certificate credentials for added security: https://aka.ms/certCreds.",
                            now)
    return Verdict(True, "ok", [])


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
