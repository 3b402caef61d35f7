"""When scheduled digests are due: daily and weekdays, time zones, and the DST edges (Europe/Berlin: 2027-03-28
02:00 → 03:00, 2026-10-25 03:00 → 02:00; America/New_York for the other hemisphere's rules in the same code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.digest_times import BadSchedule, latest_due, next_due, previous_due, recurrence


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_daily_in_utc_and_in_a_zone() -> None:
    rule = recurrence("daily", "08:00", "UTC")
    assert next_due(rule, utc(2026, 11, 29, 7, 59)) == utc(2026, 11, 29, 8, 0)
    assert next_due(rule, utc(2026, 11, 29, 8, 0)) == utc(2026, 11, 30, 8, 0)  # strictly after
    berlin = recurrence("daily", "08:00", "Europe/Berlin")
    assert next_due(berlin, utc(2026, 11, 29, 6, 0)) == utc(2026, 11, 29, 7, 0)  # CET = UTC+1
    assert next_due(berlin, utc(2026, 7, 1, 5, 0)) == utc(2026, 7, 1, 6, 0)  # CEST = UTC+2
    tokyo = recurrence("daily", "01:00", "Asia/Tokyo")  # the local day is ahead of UTC's
    assert next_due(tokyo, utc(2026, 11, 29, 12, 0)) == utc(2026, 11, 29, 16, 0)


def test_weekdays_skip_the_weekend() -> None:
    rule = recurrence("weekdays", "09:00", "Europe/Berlin")
    friday_after = utc(2026, 11, 27, 9, 0)  # Friday 10:00 local
    assert next_due(rule, friday_after) == utc(2026, 11, 30, 8, 0)  # Monday 09:00 CET
    assert latest_due(rule, utc(2026, 11, 29, 12, 0)) == utc(2026, 11, 27, 8, 0)  # Sunday: Friday's
    assert previous_due(rule, utc(2026, 11, 30, 8, 0)) == utc(2026, 11, 27, 8, 0)


def test_spring_forward_a_time_in_the_gap_is_sent_after_it() -> None:
    rule = recurrence("daily", "02:30", "Europe/Berlin")  # 2027-03-28 02:00-03:00 does not exist
    before = utc(2027, 3, 27, 12, 0)
    due = next_due(rule, before)
    assert due == utc(2027, 3, 28, 1, 30)  # = 03:30 CEST, the day is not skipped
    assert next_due(rule, due) == utc(2027, 3, 29, 0, 30)  # the next day 02:30 CEST again
    assert next_due(rule, utc(2027, 3, 26, 12, 0)) == utc(2027, 3, 27, 1, 30)  # the day before: 02:30 CET


def test_fall_back_a_time_that_happens_twice_is_due_once_at_its_first_occurrence() -> None:
    rule = recurrence("daily", "02:30", "Europe/Berlin")  # 2026-10-25 02:00-03:00 happens twice
    due = next_due(rule, utc(2026, 10, 24, 12, 0))
    assert due == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, the first one
    assert next_due(rule, due) == utc(2026, 10, 26, 1, 30)  # not again at 02:30 CET (01:30 UTC) that day
    assert latest_due(rule, utc(2026, 10, 25, 1, 45)) == due  # after the second 02:30: still the first


def test_due_times_around_every_transition_are_one_a_day_and_in_order() -> None:
    for zone in ("Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"):
        for at in ("00:00", "01:30", "02:00", "02:30", "03:00", "23:59"):
            rule = recurrence("daily", at, zone)
            moment = utc(2026, 1, 1)
            seen = []
            for _ in range(366):
                moment = next_due(rule, moment)
                seen.append(moment.astimezone(rule.zone).date())
            assert len(set(seen)) == 366 and seen == sorted(seen), (zone, at)


def test_latest_and_next_agree() -> None:
    rule = recurrence("weekdays", "07:45", "America/New_York")
    moment = utc(2026, 3, 1)
    for _ in range(200):
        due = next_due(rule, moment)
        assert latest_due(rule, due) == due and latest_due(rule, due - timedelta(seconds=1)) <= moment
        moment = due


@pytest.mark.parametrize(("kind", "at", "zone"), [("hourly", "08:00", "UTC"), ("daily", "8", "UTC"),
                                                  ("daily", "24:00", "UTC"), ("daily", "08:00", "Mars/Olympus"),
                                                  ("daily", "08:00", "../etc/passwd"), ("daily", "08:00", "")])
def test_bad_schedules_are_refused(kind: str, at: str, zone: str) -> None:
    with pytest.raises(BadSchedule):
        recurrence(kind, at, zone)
