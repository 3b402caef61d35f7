"""A bot with MicrosoftAppId set, whose tokens come from the local issuer (tests/harness/issuer.py)."""

from __future__ import annotations

from typing import Any

from tests.harness.issuer import ISSUER, TokenIssuer
from tests.harness.people import team

APP_ID = team()["bot"]["id"]
APP_PASSWORD = "app-password-that-must-never-be-logged"


async def start_issuer(aiohttp_server: Any) -> TokenIssuer:
    """Serves a fresh issuer's OpenID metadata and keys on loopback."""
    token_issuer = TokenIssuer()
    server = await aiohttp_server(token_issuer.app(), host="127.0.0.1")
    token_issuer.url = str(server.make_url("")).rstrip("/")
    return token_issuer


def secured_settings(issuer: TokenIssuer) -> dict[str, object]:
    """Settings that turn authentication on, trusting only `issuer`."""
    return {
        "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": False,
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": APP_PASSWORD,
        "BOT_OPENID_METADATA_URL": issuer.metadata_url,
        "BOT_TOKEN_ISSUER": ISSUER,
    }
