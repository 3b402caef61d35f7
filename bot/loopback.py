"""What counts as loopback, decided in one place: a strict reading of URLs and of the addresses a host has.

URL parsers disagree on userinfo, backslashes, `#`/`?` before `@`, percent-encoded or numeric hosts,
whitespace and control characters (`http://evil\\@127.0.0.1/` is 127.0.0.1 to urllib.parse and evil to
urllib3). So `parse_http_url` accepts only a grammar on which they all agree: a lower-case http(s) scheme,
a host that is a DNS name, a dotted-quad IPv4 address or a bracketed IPv6 address, an optional port and a
path of plain characters; nothing else (no userinfo, query, fragment, percent sign, backslash, space or
non-ASCII). Loopback means the names in LOOPBACK_NAMES, 127.0.0.0/8 and ::1 (IPv4-mapped forms are not).
`loopback_addresses` resolves a host and refuses it unless every address is loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

LOOPBACK_NAMES = frozenset({"localhost"})  # RFC 6761 keeps it for loopback; what it resolves to is checked too
_URL = re.compile(
    r"(?P<scheme>https?)://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?"
    r"(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:/-]*)?",
    re.ASCII,
)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*", re.ASCII)  # a resolver reads these as IPv4 parts
IPV6_LOOPBACK = ipaddress.IPv6Address("::1")


class DestinationRefused(Exception):
    """A connection would go to a host that is not (only) loopback; deliberately not an OSError."""


@dataclass(frozen=True)
class HttpUrl:
    scheme: str
    host: str  # lower case; IPv6 without brackets
    port: int | None
    path: str


def parse_http_url(url: str) -> HttpUrl:
    """The one reading of an http(s) URL; ValueError for anything outside the unambiguous grammar."""
    match = _URL.fullmatch(url) if isinstance(url, str) else None
    if match is None:
        raise ValueError("not a plain http(s) URL")
    host = _host(match["host"])
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 0 < port < 65536:
        raise ValueError("port out of range")
    return HttpUrl(match["scheme"], host, port, match["path"] or "")


def _host(host: str) -> str:
    if host.startswith("["):
        return str(ipaddress.IPv6Address(host[1:-1]))  # ValueError when it is not one
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels) or len(host) > 253:
        raise ValueError("not a DNS name")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        return str(ipaddress.IPv4Address(host))  # only the canonical dotted quad; ValueError otherwise
    return host.lower()


def is_loopback_ip(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1, written as a plain address (no zone, no mapped or octal form)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_loopback if ip.version == 4 else ip == IPV6_LOOPBACK


def is_loopback_host(host: str | None) -> bool:
    """True for the loopback names, 127.0.0.0/8 and ::1 (brackets allowed)."""
    if not host or not isinstance(host, str):
        return False
    host = host.lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host in LOOPBACK_NAMES or is_loopback_ip(host)


def is_loopback_url(url: str | None) -> bool:
    """True when `parse_http_url` reads the URL and its host is loopback."""
    try:
        return is_loopback_host(parse_http_url(url or "").host)
    except ValueError:
        return False


def checked_addresses(host: str, addresses: Iterable[str]) -> list[str]:
    """The resolved addresses of a loopback host; DestinationRefused if there are none or one is not loopback."""
    found = list(dict.fromkeys(addresses))
    strange = [address for address in found if not is_loopback_ip(address)]
    if not found or strange:
        raise DestinationRefused(f"{host!r} resolves to {strange or 'nothing'}, not only loopback")
    return found


def _refuse_unless_loopback_host(host: str) -> str:
    if not is_loopback_host(host):
        raise DestinationRefused(f"{host!r} is not a loopback host")
    return host.strip("[]")


def loopback_addresses(host: str, port: int | None) -> list[str]:
    """Resolves a host the rule reads as loopback; refuses any other host without resolving it."""
    name = _refuse_unless_loopback_host(host)
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DestinationRefused(f"{host!r} does not resolve ({exc.__class__.__name__})") from None
    return checked_addresses(host, (info[4][0] for info in infos))


async def loopback_url_addresses(url: str) -> list[str]:
    """The one reading of a URL, its host checked and resolved as a connection's is; DestinationRefused if not."""
    try:
        parsed = parse_http_url(url)
    except ValueError as exc:
        raise DestinationRefused(f"not a plain http(s) URL ({exc})") from None
    name = _refuse_unless_loopback_host(parsed.host)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(name, parsed.port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DestinationRefused(f"{name!r} does not resolve ({exc.__class__.__name__})") from None
    return checked_addresses(name, (info[4][0] for info in infos))
