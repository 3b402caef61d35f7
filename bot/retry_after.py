"""The one reading of an HTTP ``Retry-After`` header (RFC 9110 §10.2.3), for every client the bot retries with."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait: delta-seconds ("120", "1.5") or an HTTP date. None when absent or unreadable (then the
    caller backs off on its own); a negative delay or a date in the past is 0; "inf"/"nan" are unreadable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def header(headers: object, name: str = "Retry-After") -> str | None:
    """A header's value from a mapping of any case (requests, aiohttp, plain dicts), or None."""
    items = getattr(headers, "items", None)
    if items is None:
        return None
    return next((str(v) for k, v in items() if str(k).lower() == name.lower()), None)
