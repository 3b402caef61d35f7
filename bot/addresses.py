"""Whether a host named in a URL is internal (loopback, private, link-local, cloud metadata, ...), whatever way
its address is written: dotted, integer, hex or octal IPv4, IPv6 (IPv4-mapped too), trailing dots, internal names.

Used before the bot asks a service to fetch a URL for it (Azure DevOps importing a repository): an internal
address there would reach the service's own network, not the public source the person meant.
"""

from __future__ import annotations

import ipaddress
import re
import socket

INTERNAL_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "metadata.azure.com"})
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".intranet", ".lan")
_IPV4_LIKE = re.compile(r"^[0-9a-fx.]+$")


def ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host literal means, in any form an HTTP client would accept (None for a name)."""
    host = host.strip("[]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _IPV4_LIKE.match(host) or not any(ch.isdigit() for ch in host):
            return None
        try:  # inet_aton reads 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 as the C library does
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def internal_host_problem(host: str) -> str | None:
    """Why ``host`` (a URL's host, as urlsplit gives it) is not a public host; None when it is."""
    name = host.strip().rstrip(".").lower()
    if not name:
        return "it has no host name"
    if any(ch in name for ch in "%\\@ ") or any(ord(ch) < 0x21 for ch in name):
        return f"its host name '{name[:60]}' has characters a host name cannot have"
    address = ip_of(name)
    if address is None:
        if name in INTERNAL_NAMES or name.endswith(INTERNAL_SUFFIXES) or "." not in name:
            return f"'{name}' is an internal name, not a public host"
        return None
    if address.is_loopback:
        return f"{address} is a loopback address"
    if address.is_link_local:
        return f"{address} is a link-local address (cloud metadata services live there)"
    if address.is_private:
        return f"{address} is a private network address"
    if address.is_multicast or not address.is_global:
        return f"{address} is not a public internet address"
    return None
