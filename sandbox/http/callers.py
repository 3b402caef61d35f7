"""Who calls Azure DevOps: the PAT's owner (Basic) or the person of an Entra user token this sandbox issued (Bearer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..azureml.tokens import InvalidToken
from ..tokenservice.user_tokens import AZURE_DEVOPS_AUDIENCES

if TYPE_CHECKING:
    from ..server import Sandbox


@dataclass(frozen=True)
class Caller:
    """The caller's graph user (storage key), or why the call is refused (401)."""

    storage_key: str | None
    refusal: str = ""


def identify(sandbox: Sandbox, authorization: str | None) -> Caller:
    """The PAT's owner for the sandbox's PAT; the token's person for a valid bearer token; else a refusal."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return _bearer(sandbox, value.strip())
    owner = sandbox.caller(authorization)  # the sandbox's PAT (Alice) or a seeded person's own PAT
    if owner is not None:
        return Caller(owner)
    return Caller(None, "The credentials supplied are not valid for this organization." if authorization
                  else "No credentials were supplied.")


def _bearer(sandbox: Sandbox, token: str) -> Caller:
    """An Entra user token: signed by this sandbox's Entra, for Azure DevOps, this tenant, unexpired, a member."""
    try:
        claims = sandbox.azureml.signer.verify(token)
    except InvalidToken:
        return Caller(None, "The access token is not valid.")
    world = sandbox.world
    if claims.audience not in AZURE_DEVOPS_AUDIENCES:
        return Caller(None, f"The access token's audience '{claims.audience}' is not Azure DevOps.")
    if claims.tenant_id.lower() != world.tenant_id.lower():
        return Caller(None, "The access token was issued by another tenant.")
    if claims.expires <= sandbox.clock.now().timestamp():
        return Caller(None, "The access token has expired.")
    user = world.user_by_origin_id(claims.object_id)
    if user is None:
        return Caller(None, f"TF400813: The user '{world.tenant_id}\\{claims.object_id}' is not authorized to "
                            "access this resource.")
    return Caller(user.storage_key)
