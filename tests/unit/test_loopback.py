"""The loopback rule's one reading of a URL: strict, and the same as every parser's on whatever it accepts."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pytest
import yarl
from urllib3.util import parse_url

from bot.loopback import DestinationRefused, is_loopback_host, is_loopback_url, loopback_addresses, parse_http_url
from tests.harness.url_tricks import CANONICAL_LOOPBACK, url_tricks

PORT = 3978


def _same_host(a: str | None, b: str) -> bool:
    a = (a or "").strip("[]").lower()
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


@pytest.mark.parametrize("url", [t.fill(PORT) for t in url_tricks() + CANONICAL_LOOPBACK])
def test_what_the_rule_accepts_every_parser_reads_the_same(url):
    try:
        parsed = parse_http_url(url)
    except ValueError:
        return  # refused: nothing to agree on
    readings = {"urllib.parse": (urlsplit(url).hostname, urlsplit(url).port),
                "urllib3": (parse_url(url).host, parse_url(url).port),
                "yarl": (yarl.URL(url).host, yarl.URL(url).explicit_port)}
    for parser, (host, port) in readings.items():
        assert _same_host(host, parsed.host) and port == parsed.port, f"{parser} reads {url!r} as {host}:{port}"


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:5/x", True), ("http://localhost/", True), ("http://LOCALHOST:1", True),
    ("http://[::1]:3/", True), ("http://127.8.9.1/", True), ("https://127.0.0.1/_connector/v3", True),
    ("https://smba.trafficmanager.net/emea/", False), ("http://10.0.0.1/", False),
    ("http://evil.example\\@127.0.0.1/", False), ("http://127.0.0.1@evil.example/", False),
    ("http://2130706433/", False), ("http://127.1/", False), ("http://[::ffff:127.0.0.1]/", False),
    ("http://localhost./", False), ("http://127.0.0.1/?q=1", False), ("http://127.0.0.1/#f", False),
    ("http://127.0.0.1/%2e", False), (" http://127.0.0.1/", False), ("http://127.0.0.1:0/", False),
    ("http://127.0.0.1:65536/", False), ("ftp://127.0.0.1/", False), ("not a url", False), ("", False),
    (None, False),
])
def test_loopback_urls(url, loopback):
    assert is_loopback_url(url) is loopback


def test_accepted_urls_keep_their_parts():
    url = parse_http_url("https://LocalHost:8443/api/v3")
    assert (url.scheme, url.host, url.port, url.path) == ("https", "localhost", 8443, "/api/v3")
    assert parse_http_url("http://[0:0:0:0:0:0:0:1]").host == "::1"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "::1", "127.0.0.9"])
def test_loopback_hosts_resolve_to_loopback(host):
    assert loopback_addresses(host, 80)


@pytest.mark.parametrize("host", ["evil.example", "10.0.0.1", "localhost.", "::ffff:127.0.0.1", "2130706433", ""])
def test_other_hosts_are_refused_without_a_lookup(host, monkeypatch):
    import socket

    def no_lookup(*args, **kwargs):
        raise AssertionError("looked up")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    assert not is_loopback_host(host)
    with pytest.raises(DestinationRefused):
        loopback_addresses(host, 80)


def test_a_loopback_name_that_resolves_elsewhere_is_refused(monkeypatch):
    import socket

    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 80)) for address in ("127.0.0.1", "192.0.2.1")]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    with pytest.raises(DestinationRefused, match=r"192\.0\.2\.1"):
        loopback_addresses("localhost", 80)
