"""Leases: one holder at a time for a named piece of work (e.g. sending the digests), taken over once it expires.

A holder (an instance's id) acquires a lease for a time to live and renews it while it works; when it stops
renewing (it died), the lease expires and another holder acquires it. Times are the callers' (``now``), so every
instance must keep its clock (NTP, as App Service does); a lease's time to live should be well above the skew.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Leases(Protocol):
    """Named leases with a holder and an expiry; each decision is one atomic step of the store."""

    async def acquire_lease(self, name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
        """True when ``holder`` holds the lease until ``now + ttl``: it was free, expired, or held by ``holder``
        already (then it is renewed). False while another holder's lease has not expired. ``ValueError`` for an
        empty name or holder, a ttl that is not positive, or a naive ``now``."""
        ...

    async def renew_lease(self, name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
        """Extends ``holder``'s unexpired lease to ``now + ttl``; False when it does not hold it (any more)."""
        ...

    async def release_lease(self, name: str, holder: str) -> bool:
        """Frees the lease at once (the holder stopped); True when ``holder`` held it."""
        ...

    async def lease_holder(self, name: str, now: datetime) -> str | None:
        """Who holds the lease at ``now``; None when it is free or expired."""
        ...


def check_lease(name: str, holder: str, ttl: timedelta) -> None:
    """``ValueError`` unless a lease call's arguments make sense (every backend checks them the same way)."""
    if not name or not holder:
        raise ValueError("a lease needs a name and a holder")
    if ttl <= timedelta(0):
        raise ValueError("a lease's time to live must be positive")
