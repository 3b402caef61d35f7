"""Service connection types the sandbox knows: their authorization schemes and required parameters.

A create is checked against this table as the service checks it against its contributed endpoint
types: an unknown type, a scheme the type does not offer or a missing required parameter is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

SECRET_PARAMETERS = frozenset({"serviceprincipalkey", "accesstoken", "password", "apitoken", "certificate",
                               "servicebusconnectionstring", "clientsecret"})


@dataclass(frozen=True)
class EndpointType:
    name: str
    display_name: str
    schemes: dict[str, tuple[str, ...]]  # scheme -> required parameters (lower case)
    needs_url: bool = True


TYPES = {t.name: t for t in (
    EndpointType("azurerm", "Azure Resource Manager", {
        "serviceprincipal": ("tenantid", "serviceprincipalid"),
        "workloadidentityfederation": ("tenantid", "serviceprincipalid"),
        "managedserviceidentity": ("tenantid",),
    }),
    EndpointType("github", "GitHub", {
        "personalaccesstoken": ("accesstoken",),
        "token": ("accesstoken",),
        "installationtoken": ("idtoken",),
        "oauth": ("accesstoken",),
    }),
    EndpointType("git", "Other Git", {"usernamepassword": ("password",)}),
    EndpointType("generic", "Generic", {"usernamepassword": (), "none": ()}),
)}


def is_secret(name: str) -> bool:
    return name.lower() in SECRET_PARAMETERS


def problem(type_name: str, scheme: str, parameters: dict, url: str) -> str | None:
    """Why a connection of this type cannot be created as given (None when it can)."""
    endpoint_type = TYPES.get((type_name or "").lower())
    if endpoint_type is None:
        return f"Service endpoint type '{type_name}' is not supported."
    required = endpoint_type.schemes.get((scheme or "").lower())
    if required is None:
        return (f"The authorization scheme '{scheme}' is not supported for service endpoint type "
                f"'{endpoint_type.name}'. Supported schemes: {', '.join(sorted(endpoint_type.schemes))}.")
    given = {k.lower() for k, v in parameters.items() if v not in (None, "")}
    missing = [name for name in required if name not in given]
    if (scheme or "").lower() == "serviceprincipal" and "serviceprincipalkey" not in given \
            and (parameters.get("authenticationType") or "spnKey") == "spnKey":
        missing.append("serviceprincipalkey")
    if missing:
        return f"The authorization of service endpoint type '{endpoint_type.name}' needs: {', '.join(missing)}."
    if endpoint_type.needs_url:
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"The service endpoint url '{url}' is not a valid absolute URL."
        if parts.username is not None or parts.password is not None:
            return "The service endpoint url must not contain credentials: put them in the authorization."
    return None
