"""The loopback-only requests adapter on its own: http and https, other schemes, proxies, refusals not retried."""

from __future__ import annotations

import socket

import pytest
import requests
from urllib3.util.retry import Retry

from bot.outbound import LoopbackOnlyAdapter, RefusedDestinationError, confine_session
from tests.harness.netwatch import watching


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def retries(monkeypatch) -> list[int]:
    """Counts urllib3's retries (each one sleeps first), without waiting."""
    counted: list[int] = []
    monkeypatch.setattr(Retry, "sleep", lambda self, response=None: counted.append(1))
    return counted


@pytest.fixture
def session():
    with requests.Session() as s:
        s.mount("https://", requests.adapters.HTTPAdapter(max_retries=Retry(total=3, backoff_factor=1)))
        confine_session(s)
        yield s


@pytest.mark.parametrize("url", ["http://203.0.113.7/", "https://203.0.113.7/", "https://evil.example/",
                                 "http://[2001:db8::1]:8080/", "https://2130706433/", "http://localhost./",
                                 "https://[::ffff:127.0.0.1]/", "http://evil.example\\@127.0.0.1/"])
def test_other_hosts_are_refused_without_a_connection_or_a_retry(session, retries, url):
    with watching() as net, pytest.raises(RefusedDestinationError):
        session.post(url, timeout=5)
    assert net.connects == [] and net.elsewhere() == [] and retries == []


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_loopback_is_connected_to_with_the_retry_policy_kept(session, retries, scheme):
    port = _closed_port()
    with watching() as net, pytest.raises(requests.ConnectionError) as caught:
        session.get(f"{scheme}://127.0.0.1:{port}/", timeout=5)
    assert not isinstance(caught.value, RefusedDestinationError)
    assert set(net.connects) == {("127.0.0.1", port)} and net.elsewhere() == []
    assert len(net.connects) == len(retries) + 1 == 4


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "file:///etc/passwd", "http+unix://%2Ftmp%2Fs/"])
def test_other_schemes_have_no_adapter(session, url):
    with pytest.raises(requests.exceptions.InvalidSchema):
        session.get(url)


def test_proxies_are_refused_even_when_asked_for(session):
    with watching() as net, pytest.raises(RefusedDestinationError):
        session.get("http://127.0.0.1:1/", proxies={"http": "http://127.0.0.1:3128"})
    assert net.connects == []


def test_confining_is_idempotent(session):
    adapters = dict(session.adapters)
    assert set(adapters) == {"http://", "https://"}
    assert all(isinstance(a, LoopbackOnlyAdapter) for a in adapters.values())
    confine_session(session)
    assert session.adapters == adapters and not session.trust_env
