"""One Retry-After reading for the connector and Azure DevOps: seconds, HTTP dates, and the edge cases."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.retry_after import header, parse_retry_after

NOW = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "seconds"), [
    ("30", 30.0), (" 1.5 ", 1.5), ("3", 3.0), ("0", 0.0),
    ("Thu, 26 Nov 2026 10:00:05 GMT", 5.0),
    ((NOW + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT"), 90.0),
    ("Thu, 26 Nov 2026 09:00:00 GMT", 0.0),  # in the past
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ("-5", 0.0),  # negative: do not wait
])
def test_readable_values(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "inf", "-inf", "nan", "1e999", "Thu, 32 Nov 2026"])
def test_unreadable_values_leave_the_wait_to_the_caller(value):
    assert parse_retry_after(value, NOW) is None


def test_the_header_is_found_in_any_case():
    assert header({"retry-after": "7"}) == "7"
    assert header({"Retry-After": "7"}) == "7"
    assert header({"X-MS-ContinuationToken": "abc"}, "x-ms-continuationtoken") == "abc"
    assert header({}) is None and header(None) is None
