"""Bounds on botbuilder's process-wide caches, so nothing a sender chooses can grow them.

Read in the installed botbuilder 4.17.1 (.venv/lib/python3.11/site-packages), the caches that live as long
as the process:
- ``JwtTokenExtractor.metadataCache`` (botframework/connector/auth/jwt_token_extractor.py): OpenID metadata
  and signing keys per metadata URL. The URL comes from configuration and the kind of token (channel,
  emulator, skill, government cloud), so a handful of keys; bounded anyway.
- ``AppCredentials.cache`` (auth/app_credentials.py): declared, unused in 4.17.1; bounded anyway.
- ``BotFrameworkHttpClient._APP_CREDENTIALS_CACHE`` (botbuilder/integration/aiohttp/bot_framework_http_client.py):
  credentials per (app id, OAuth scope) for calls to skills, which this bot does not make; bounded anyway.
Not bounded here, because the bot never creates them: the legacy ``BotFrameworkAdapter``'s per-instance
``_connector_client_cache`` (per service URL) and ``_app_credential_map``. The bot runs ``CloudAdapter``,
whose ConnectorFactory builds a ConnectorClient and a TokenApiClient per turn and keeps none of them
(bot/turn_clients.py closes their sessions when the turn ends).
"""

from __future__ import annotations

from botbuilder.integration.aiohttp.bot_framework_http_client import BotFrameworkHttpClient
from botframework.connector.auth.app_credentials import AppCredentials
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from bot.bounded import BoundedMap

SDK_CACHE_SIZE = 16
"""Entries each botbuilder process-wide cache may hold (least recently used ones are dropped)."""


def _bounded(current: object) -> BoundedMap:
    if isinstance(current, BoundedMap):
        return current
    bounded: BoundedMap = BoundedMap(SDK_CACHE_SIZE)
    bounded.update(dict(current or {}))  # type: ignore[call-overload]
    return bounded


def bound_sdk_caches() -> None:
    """Replaces each process-wide botbuilder cache with a BoundedMap of SDK_CACHE_SIZE (idempotent)."""
    JwtTokenExtractor.metadataCache = _bounded(JwtTokenExtractor.metadataCache)
    AppCredentials.cache = _bounded(AppCredentials.cache)
    BotFrameworkHttpClient._APP_CREDENTIALS_CACHE = _bounded(BotFrameworkHttpClient._APP_CREDENTIALS_CACHE)
