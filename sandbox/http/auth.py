"""Personal access token authentication, answered the way Azure DevOps answers it."""

from __future__ import annotations

import base64
import binascii
import hmac

from aiohttp import web

_ACCESS_DENIED_PAGE = (
    "<!DOCTYPE html><html><head><title>Access Denied</title></head><body>"
    "<h1>Access Denied: The Personal Access Token used has expired or is invalid.</h1>"
    "<p>{detail}</p></body></html>"
)


def pat_from_header(authorization: str | None) -> str | None:
    """The password of a Basic ``Authorization`` header (the user name is ignored), if any."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, sep, password = decoded.partition(":")
    return password if sep else None


def is_authorized(authorization: str | None, pat: str) -> bool:
    supplied = pat_from_header(authorization)
    return supplied is not None and hmac.compare_digest(supplied.encode(), pat.encode())


def unauthorized(origin: str, supplied: bool, detail: str | None = None) -> web.Response:
    """401 with the service's headers.

    Clients send ``X-TFS-FedAuthRedirect: Suppress`` so the service answers 401 instead of
    redirecting a browser to sign in; the SDK turns it into ``AzureDevOpsAuthenticationError``.
    """
    detail = detail or ("The credentials supplied are not valid for this organization." if supplied
                        else "No credentials were supplied.")
    return web.Response(
        status=401,
        text=_ACCESS_DENIED_PAGE.format(detail=detail),
        content_type="text/html",
        charset="utf-8",
        headers={
            "WWW-Authenticate": f'Basic realm="{origin}", Bearer authorization_uri='
                                "https://login.microsoftonline.com/common",
            "X-TFS-ServiceError": "Access%20Denied",
        },
    )
