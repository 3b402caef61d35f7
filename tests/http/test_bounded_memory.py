"""What senders choose (conversation ids, service URLs, tokens) cannot grow the bot's memory: every map keyed by
such a value is bounded, and per-turn clients are neither kept nor left holding sockets."""

from __future__ import annotations

import gc
import os

import pytest
from botbuilder.integration.aiohttp.bot_framework_http_client import BotFrameworkHttpClient
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth.app_credentials import AppCredentials
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from app import RUNTIME
from bot import teams_edge
from bot.bounded import BoundedMap
from bot.sdk_caches import SDK_CACHE_SIZE
from tests.harness.cards import card_texts
from tests.harness.issuer import ISSUER, TokenIssuer
from tests.harness.people import team
from tests.harness.teams import TeamsClient

APP_ID = team()["bot"]["id"]


def known_conversations(teams: TeamsClient) -> BoundedMap:
    return teams.http.app[RUNTIME].bot._known_service_urls


async def test_known_conversations_stay_within_their_bound(make_bot, monkeypatch):
    monkeypatch.setattr(teams_edge, "KNOWN_CONVERSATIONS", 8)
    teams = await make_bot()
    first = teams.activity("installationUpdate", action="add", at="group")
    welcomes = await teams.send(first)
    assert len(welcomes) == 1 and "College Bot" in " ".join(card_texts(welcomes[0].card))
    for n in range(30):  # more conversations than the bound, each with its own id
        activity = teams.activity("message", text="help")
        activity["conversation"]["id"] = f"a:sender-chosen-{n}-" + "x" * 500
        await teams.send(activity)
        assert len(known_conversations(teams)) <= 8
    assert len(known_conversations(teams)) == 8
    # the first conversation was forgotten by the map, not by the store: no second welcome
    assert await teams.send(teams.activity("installationUpdate", action="add", at="group")) == []


def test_the_map_forgets_the_least_recently_used():
    bounded: BoundedMap[str, int] = BoundedMap(2)
    bounded["a"], bounded["b"] = 1, 2
    assert bounded.get("a") == 1  # a read is a use
    bounded["c"] = 3
    assert dict(bounded) == {"a": 1, "c": 3}
    assert bounded.setdefault("d", 4) == 4 and len(bounded) == 2
    with pytest.raises(ValueError):
        BoundedMap(0)


@pytest.fixture
async def issuer(aiohttp_server):
    token_issuer = TokenIssuer()
    server = await aiohttp_server(token_issuer.app(), host="127.0.0.1")
    token_issuer.url = str(server.make_url("")).rstrip("/")
    return token_issuer


async def test_botbuilders_process_wide_caches_are_bounded(make_bot, issuer):
    teams = await make_bot(DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=False, MicrosoftAppId=APP_ID,
                           MicrosoftAppPassword="app-password", BOT_OPENID_METADATA_URL=issuer.metadata_url,
                           BOT_TOKEN_ISSUER=ISSUER)
    for n in range(20):  # tokens for many service URLs and issuers, valid or not
        service_url = f"{teams.service_url}/tenant-{n}"
        token = issuer.token(APP_ID, service_url, issuer=ISSUER if n % 2 else f"https://issuer-{n}.example")
        activity = teams.activity("message", text="help")
        activity["serviceUrl"] = service_url
        status, _ = await teams.post(activity, {"Authorization": f"Bearer {token}"})
        assert status in (201, 401)
    for cache in (JwtTokenExtractor.metadataCache, AppCredentials.cache,
                  BotFrameworkHttpClient._APP_CREDENTIALS_CACHE):
        assert isinstance(cache, BoundedMap) and cache.maxsize == SDK_CACHE_SIZE
        assert len(cache) <= SDK_CACHE_SIZE
    assert len(JwtTokenExtractor.metadataCache) <= 2  # keyed by configuration, not by what senders send


def _sockets_to(port: int) -> int:
    """This process's open sockets whose far end is ``port`` (other work in the process, such as the session's
    sandbox filling its blob store, opens and closes sockets of its own meanwhile: those are not counted)."""
    inodes = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    owned = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        owned += target.startswith("socket:[") and target[8:-1] in inodes
    return owned


async def test_no_client_or_socket_is_kept_per_service_url(teams):
    """CloudAdapter builds two msrest clients per turn and keeps neither; their sockets close with the turn."""
    await teams.say("help")  # warm up: the store, the connector stand-in's first connections
    gc.collect()
    port = int(teams.service_url.rsplit(":", 1)[1].split("/")[0])
    before = _sockets_to(port)
    for n in range(100):
        activity = teams.activity("message", text="help")
        activity["serviceUrl"] = f"{teams.service_url}/sender-chosen-{n}"  # the stand-in answers 404 there
        status, _ = await teams.post(activity)
        assert status == 201
    assert _sockets_to(port) - before <= 2  # left to the garbage collector: 10 to 40 more here
    gc.collect()
    # by type(), not isinstance(): some objects (azure-ai-ml's lazy docker proxy) raise when asked their __class__
    assert sum(issubclass(type(o), ConnectorClient) for o in gc.get_objects()) <= 2
