"""Entra ID user (delegated) access tokens for Azure DevOps, signed with the sandbox's Entra key."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from ..azureml.tokens import TokenSigner
from ..state.ids import stable_id
from .people import Person

AZURE_DEVOPS_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"  # Azure DevOps' application id in every tenant
AZURE_DEVOPS_AUDIENCES = (AZURE_DEVOPS_RESOURCE, "https://app.vssps.visualstudio.com")
SCOPE = "user_impersonation"  # the delegated permission the OAuth connection asks for
USER_TOKEN_LIFETIME_S = 3599  # Entra's access tokens live 60 to 90 minutes; the sandbox uses one hour
OAUTH_APP_ID = stable_id("entra-app", "college-bot-oauth")  # the OAuth connection's Entra app (client id)


def issue(signer: TokenSigner, person: Person, tenant_id: str, now: datetime) -> tuple[str, datetime]:
    """A v1.0 user token for Azure DevOps acting as ``person``, and when it expires (sandbox clock)."""
    issued = int(now.timestamp())
    claims = {
        "aud": AZURE_DEVOPS_RESOURCE, "iss": f"https://sts.windows.net/{tenant_id}/", "iat": issued, "nbf": issued,
        "exp": issued + USER_TOKEN_LIFETIME_S, "acr": "1", "amr": ["pwd"], "appid": OAUTH_APP_ID, "appidacr": "1",
        "family_name": person.surname, "given_name": person.given_name, "name": person.name,
        "oid": person.object_id, "scp": SCOPE, "sub": stable_id("sub", person.object_id), "tid": tenant_id,
        "unique_name": person.upn, "upn": person.upn,
        "uti": base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="), "ver": "1.0",
    }
    expires = datetime.fromtimestamp(issued + USER_TOKEN_LIFETIME_S, now.tzinfo)
    return signer.sign(claims), expires

