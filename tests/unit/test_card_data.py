"""What a button sends back is the sender's: numbers are read defensively."""

import math

import pytest

from bot.card_data import MAX_INT, int_of
from bot.json_body import BodyRejected, parse_json_object


@pytest.mark.parametrize(("value", "expected"), [
    (3, 3), ("4", 4), (2.9, 2), (-5, 0), (10**30, MAX_INT), (None, 0), ("x", 0), ([], 0), ({}, 0), (True, 0),
    (math.inf, 0), (-math.inf, 0), (math.nan, 0), ("1e999", 0),
])
def test_int_of(value, expected):
    assert int_of({"page": value}, "page") == expected


def test_a_missing_value_is_the_default():
    assert int_of({}, "page", 7) == 7


@pytest.mark.parametrize("body", [b'{"a": 1e999}', b'{"a": -1e400}', b'{"a": [1, 2e308]}'])
def test_a_number_too_large_for_a_float_is_refused_at_the_edge(body):
    with pytest.raises(BodyRejected):
        parse_json_object(body)
