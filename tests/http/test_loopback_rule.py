"""Local mode: whatever a serviceUrl trick does, the bot refuses it (403, nothing sent) or connects to loopback only.

Proved twice for each URL of a generated family (tests/harness/url_tricks.py): through /api/messages, and
through botbuilder's own connector client as the adapter builds it (the sending client refuses by itself).
tests/harness/netwatch.py records every connect and name lookup the process makes, from any thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from botbuilder.schema import Activity
from botframework.connector.auth import ClaimsIdentity

from bot.loopback import is_loopback_url
from tests.harness.netwatch import watching
from tests.harness.url_tricks import CANONICAL_LOOPBACK, FAMILIES, Trick, url_tricks

TRICKS = url_tricks()
ORIGINAL_TRICK = "http://evil.example\\@<lo>/"  # read as loopback by urlsplit, as evil.example by urllib3


@pytest.fixture
def instant_retries(monkeypatch):
    """msrest retries a refused loopback connection with backoff (about 5 s); here the retries wait for nothing."""
    from urllib3.util.retry import Retry

    monkeypatch.setattr(Retry, "sleep", lambda self, response=None: None)


def _port(teams) -> int:
    return urlsplit(teams.connector.url).port


def _runtime(teams):
    from app import RUNTIME

    return teams.http.app[RUNTIME]


async def _through_http(teams, url: str) -> tuple[int, int]:
    """Posts `help` with this serviceUrl; returns the status and how many activities reached the listener."""
    before = len(teams.connector.sent)
    activity = teams.activity("message", text="help")
    activity["serviceUrl"] = url
    status, _ = await teams.post(activity)
    return status, len(teams.connector.sent) - before


async def _through_the_client(teams, url: str) -> int:
    """Sends one activity with the adapter's own connector client for `url`; returns how many reached the listener."""
    before = len(teams.connector.sent)
    factory = _runtime(teams).adapter.bot_framework_authentication.create_connector_factory(ClaimsIdentity({}, True))
    try:
        client = await factory.create(url)
        await client.conversations.send_to_conversation("a:trick", Activity(type="message", text="hello"))
    except Exception:  # a refusal may take any form; what was contacted is what counts
        pass
    return len(teams.connector.sent) - before


def _family(name: str) -> list[Trick]:
    return [trick for trick in TRICKS if trick.family == name]


def test_the_family_is_large_and_holds_the_original_trick():
    assert len(TRICKS) >= 300 and len(FAMILIES) == 9
    assert ORIGINAL_TRICK in {trick.template for trick in TRICKS}


# 403: the loopback rule refused it; 400: the activity's shape check refused a serviceUrl that is not an http(s)
# URL at all (bot/activity_shape.py) before the rule was asked. Either way nothing is sent.
REFUSED = (400, 403)


@pytest.mark.parametrize("family", list(FAMILIES))
async def test_through_http_a_trick_is_refused_or_reaches_only_loopback(teams, family, instant_retries):
    port, problems = _port(teams), []
    for trick in _family(family):
        url = trick.fill(port)
        with watching() as net:
            status, delivered = await _through_http(teams, url)
        outbound = net.connects_except(teams.http.port)
        if net.elsewhere():
            problems.append(f"{url!r}: contacted {sorted(set(net.elsewhere()))}")
        elif status in REFUSED and (delivered or outbound):
            problems.append(f"{url!r}: refused, yet connected to {sorted(set(outbound))}")
        elif status not in REFUSED and not is_loopback_url(url):
            problems.append(f"{url!r}: answered {status} although the rule does not read it as loopback")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("family", list(FAMILIES))
async def test_the_sending_client_itself_connects_only_to_loopback(teams, family, instant_retries):
    port, problems = _port(teams), []
    for trick in _family(family):
        url = trick.fill(port)
        with watching() as net:
            delivered = await _through_the_client(teams, url)
        if net.elsewhere():
            problems.append(f"{url!r}: contacted {sorted(set(net.elsewhere()))}")
        elif delivered and net.connects_except(port):
            problems.append(f"{url!r}: delivered, also connected to {sorted(set(net.connects_except(port)))}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("trick", CANONICAL_LOOPBACK, ids=[t.template for t in CANONICAL_LOOPBACK])
async def test_plain_loopback_urls_are_answered(teams, trick):
    with watching() as net:
        status, delivered = await _through_http(teams, trick.fill(_port(teams)))
    assert status in (200, 201) and delivered == 1
    assert net.elsewhere() == []


async def test_the_original_trick_is_refused_with_nothing_sent(teams):
    with watching() as net:
        status, delivered = await _through_http(teams, Trick("", ORIGINAL_TRICK).fill(_port(teams)))
    assert (status, delivered) == (403, 0)
    assert net.connects_except(teams.http.port) == [] and net.elsewhere() == []


async def test_the_stock_connector_client_is_fooled_by_the_original_trick(teams):
    """The control: without the guard botbuilder's client goes elsewhere, and the watch sees it (and blocks it)."""
    from botframework.connector.aio import ConnectorClient
    from botframework.connector.auth import MicrosoftAppCredentials

    url = "http://203.0.113.7\\@127.0.0.1:" + str(_port(teams)) + "/"
    client = ConnectorClient(MicrosoftAppCredentials.empty(), base_url=url)
    client.config.retry_policy.retries = 0
    with watching() as net, pytest.raises(Exception):  # noqa: B017 - blocked by the watch
        await client.conversations.send_to_conversation("a:trick", Activity(type="message", text="hello"))
    assert net.elsewhere() == ["connect 203.0.113.7:80"]


async def _redirector(aiohttp_server, location: str) -> str:
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(location)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", redirect)
    server = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url("")).rstrip("/")


@pytest.mark.parametrize("location", ["http://203.0.113.7/v3/conversations/x/activities",
                                      "http://evil.example/v3/conversations/x/activities",
                                      "http://[2001:db8::1]:8080/", "http://2130706433:1/"])
async def test_a_redirect_elsewhere_is_not_followed(teams, aiohttp_server, location, instant_retries):
    url = await _redirector(aiohttp_server, location)
    with watching() as net:
        status, delivered = await _through_http(teams, url)
        await _through_the_client(teams, url)
    assert net.elsewhere() == [] and delivered == 0
    assert status != 403  # the serviceUrl itself was loopback: the refusal happened at the connection


async def test_a_proxy_from_the_environment_is_not_used(teams, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://203.0.113.9:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with watching() as net:
        status, delivered = await _through_http(teams, teams.connector.url)
    assert status in (200, 201) and delivered == 1
    assert net.elsewhere() == []


async def test_proactive_messages_to_a_stored_trick_reach_nothing(teams):
    """A conversation reference stored before this rule (or by hand) cannot send elsewhere either."""
    from bot.turn import Reply

    runtime = _runtime(teams)
    for template in (ORIGINAL_TRICK, "http://10.0.0.1:80/", "http://evil.example/"):
        reference = {"channelId": "msteams", "serviceUrl": Trick("", template).fill(_port(teams)),
                     "conversation": {"id": "a:stored-trick"}, "bot": {"id": "28:bot"}, "user": {"id": "29:user"}}
        await runtime.services.store.save_conversation_reference("a:stored-trick", reference)
        with watching() as net:
            await _expect_failure(lambda: runtime.services.messenger.send("a:stored-trick", Reply(text="hi")))
        assert net.elsewhere() == [], template
    assert teams.connector.sent == []


async def _expect_failure(send: Callable[[], Awaitable[object]]) -> None:
    with pytest.raises(Exception):  # noqa: B017 - refused at the connection, in whatever form
        await send()
