"""Records every socket connect and name lookup this process makes, from any thread (Python audit events),
and blocks those that would leave loopback, so a test that fails never reaches another host either.

    with watching() as net:
        ...
    assert net.elsewhere() == []        # nothing tried to connect to, or look up, anything but loopback
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.loopback import is_loopback_ip

LOOPBACK_NAMES = {"localhost"}


@dataclass
class NetWatch:
    connects: list[tuple[str, int]] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)

    def elsewhere(self) -> list[str]:
        """Every connection to a non-loopback address and every lookup of a name (not an address) elsewhere."""
        return ([f"connect {host}:{port}" for host, port in self.connects if not is_loopback_ip(host)]
                + [f"lookup {name}" for name in self.lookups if _remote_name(name)])

    def connects_except(self, port: int) -> list[tuple[str, int]]:
        return [(host, p) for host, p in self.connects if p != port]


def _remote_name(name: str) -> bool:
    """A name only a resolver elsewhere (DNS) can answer: not loopback, not an address literal."""
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return name not in LOOPBACK_NAMES
    return False


_lock = threading.Lock()
_active: list[NetWatch] = []


def _hook(event: str, args: tuple) -> None:
    if not _active or event not in ("socket.connect", "socket.getaddrinfo"):
        return
    if event == "socket.connect":
        if not isinstance(args[1], tuple):
            return
        host, port = str(args[1][0]), int(args[1][1])
        with _lock:
            for watch in _active:
                watch.connects.append((host, port))
        if not is_loopback_ip(host):
            raise ConnectionRefusedError(f"the test blocked a connection to {host}:{port}")
        return
    name = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
    with _lock:
        for watch in _active:
            watch.lookups.append(name)
    if _remote_name(name):
        raise socket.gaierror(socket.EAI_NONAME, f"the test blocked a lookup of {name}")


sys.addaudithook(_hook)


@contextmanager
def watching() -> Iterator[NetWatch]:
    watch = NetWatch()
    with _lock:
        _active.append(watch)
    try:
        yield watch
    finally:
        with _lock:
            _active.remove(watch)
