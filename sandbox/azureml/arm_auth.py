"""Who is calling Azure Resource Manager, and may they: bearer tokens of the sandbox's Entra, roles at the
resource group.

A token is valid when this sandbox's Entra signed it, it has not expired on the sandbox clock, its tenant is
the workspace's, and its audience is one ARM accepts: the sandbox's ARM endpoint (what azure-ai-ml asks for:
``{resource_manager endpoint}/.default``, with or without the trailing slash) or the public cloud's
``https://management.azure.com/`` / ``https://management.core.windows.net/`` (with or without it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import ArmError, unauthorized
from .tokens import InvalidToken, TokenClaims, TokenSigner
from .world import AzureMLWorld

PUBLIC_AUDIENCES = ("https://management.azure.com/", "https://management.core.windows.net/")
ROLE_ACTIONS = {"Contributor": ("read", "action"), "Reader": ("read",)}


def audiences(arm_origin: str) -> tuple[str, ...]:
    """Every audience the sandbox's ARM accepts, each with and without its trailing slash."""
    bases = (arm_origin.rstrip("/") + "/", *PUBLIC_AUDIENCES)
    return tuple(form for base in bases for form in (base, base.rstrip("/")))


def _arm_time(moment: datetime) -> str:
    """ARM's way of writing a time in its token errors: ``11/29/2026 10:04:05 AM``."""
    return moment.strftime("%m/%d/%Y %I:%M:%S %p")


def authenticate(authorization: str | None, signer: TokenSigner, *, now: datetime, tenant_id: str,
                 arm_origin: str, authority: str) -> TokenClaims:
    """The claims of the caller's token, or the 401 ARM answers."""
    if not authorization:
        raise unauthorized("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                           authority)
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided "
                           "in an invalid format.", authority)
    try:
        claims = signer.verify(token.strip())
    except InvalidToken:
        raise unauthorized("InvalidAuthenticationToken", "The access token is invalid.", authority) from None
    if claims.expires <= now.timestamp():
        expired = datetime.fromtimestamp(claims.expires, UTC)
        raise unauthorized("ExpiredAuthenticationToken", f"The access token expiry UTC time '{_arm_time(expired)}' "
                           f"is earlier than current UTC time '{_arm_time(now)}'.", authority)
    allowed = audiences(arm_origin)
    if claims.audience not in allowed:
        raise unauthorized("InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong "
                           f"audience or resource '{claims.audience}'. It should exactly match with one of the "
                           f"allowed audiences {','.join(repr(a) for a in allowed)}.", authority)
    if claims.tenant_id.lower() != tenant_id.lower():
        raise unauthorized("InvalidAuthenticationTokenTenant", f"The access token is from the wrong issuer "
                           f"'{claims.tenant_id}'. It must match the tenant '{tenant_id}' associated with this "
                           "subscription. Please use the authority (URL) 'https://login.windows.net/"
                           f"{tenant_id}' to get the token.", authority)
    return claims


def authorize(world: AzureMLWorld, claims: TokenClaims, *, resource_group: str, action: str, scope: str) -> None:
    """403 AuthorizationFailed unless the caller holds a role at the resource group that allows ``action``."""
    kind = "action" if action.endswith("/action") else "read"
    role = world.roles.get(claims.object_id) if resource_group.lower() == world.resource_group.lower() else None
    if role is None or kind not in ROLE_ACTIONS.get(role, ()):
        raise ArmError(403, "AuthorizationFailed", f"The client '{claims.object_id}' with object id "
                       f"'{claims.object_id}' does not have authorization to perform action '{action}' over scope "
                       f"'{scope}' or the scope is invalid. If access was recently granted, please refresh your "
                       "credentials.")
