"""When a scheduled digest is due: pure functions of the schedule (daily or on weekdays, at a local time of day in
an IANA time zone) and a moment, with the standard library's zoneinfo.

Every due time is a local date's time of day, converted to UTC with the zone's rules for that date:

* A time that does not exist that day (the spring-forward gap: 02:30 in Europe/Berlin on the last Sunday of March)
  is due as far after the gap as it was into it: 02:30 → 03:30 CEST (01:30 UTC). The digest is not skipped.
* A time that happens twice (the fall-back hour: 02:30 in Europe/Berlin on the last Sunday of October) is due once,
  at its first occurrence (02:30 CEST, 00:30 UTC).

So there is exactly one due time per (week)day, in order, whatever the zone does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

KINDS = ("daily", "weekdays")
_HH_MM = re.compile(r"^(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)$")
_SEARCH_DAYS = 8  # enough to find the next weekday from any day


class BadSchedule(ValueError):
    """A time of day or time zone that cannot be used (the message says which)."""


@dataclass(frozen=True)
class Recurrence:
    kind: str  # "daily" | "weekdays"
    at: time  # local time of day
    zone: ZoneInfo

    def occurs_on(self, day: date) -> bool:
        return self.kind == "daily" or day.weekday() < 5

    def due_on(self, day: date) -> datetime:
        """The UTC due time on a local ``day`` (fold 0: the first occurrence; a time in a gap is moved past it)."""
        return datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC)


def parse_time_of_day(value: str) -> time:
    match = _HH_MM.match(value.strip())
    if not match:
        raise BadSchedule(f"'{value[:20]}' is not a time of day: use HH:MM on the 24-hour clock, e.g. 08:30.")
    return time(int(match["h"]), int(match["m"]))


def parse_zone(value: str) -> ZoneInfo:
    name = value.strip()
    if not name or name.startswith(("/", ".")) or ".." in name or name not in _zones():
        raise BadSchedule(f"'{value[:40]}' is not an IANA time zone: use a name such as Europe/Berlin, "
                          "America/New_York or UTC.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadSchedule(f"'{value[:40]}' is not an IANA time zone.") from exc


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones() | {"UTC"})


def recurrence(kind: str, at: str, zone: str) -> Recurrence:
    if kind not in KINDS:
        raise BadSchedule(f"'{kind}' is not a schedule: use daily or weekdays.")
    return Recurrence(kind, parse_time_of_day(at), parse_zone(zone))


def next_due(rule: Recurrence, after: datetime) -> datetime:
    """The first due time strictly after ``after`` (UTC)."""
    day = after.astimezone(rule.zone).date() - timedelta(days=1)  # a due time in UTC may fall on the local day before
    for offset in range(_SEARCH_DAYS + 2):
        candidate = day + timedelta(days=offset)
        if rule.occurs_on(candidate) and rule.due_on(candidate) > after:
            return rule.due_on(candidate)
    raise AssertionError("no due time within a week")  # pragma: no cover - every week has weekdays


def latest_due(rule: Recurrence, at_or_before: datetime) -> datetime:
    """The newest due time at or before ``at_or_before`` (UTC)."""
    day = at_or_before.astimezone(rule.zone).date() + timedelta(days=1)
    for offset in range(_SEARCH_DAYS + 2):
        candidate = day - timedelta(days=offset)
        if rule.occurs_on(candidate) and rule.due_on(candidate) <= at_or_before:
            return rule.due_on(candidate)
    raise AssertionError("no due time within a week")  # pragma: no cover


def previous_due(rule: Recurrence, due: datetime) -> datetime:
    """The due time before ``due``: where a digest's period starts when no digest was sent before."""
    return latest_due(rule, due - timedelta(microseconds=1))
