"""onnxruntime's rule |expected - actual| <= atol + rtol*|expected|, element by element, and the errors reported."""

from __future__ import annotations

import numpy as np

from bot.services.models.rule import compare_output


def check(expected, actual, atol=1e-3, rtol=1e-3):
    return compare_output("y", np.asarray(expected), np.asarray(actual), atol, rtol)


def test_the_bound_grows_with_the_expected_value():
    inside = check(np.float32([0.0, 1000.0]), np.float32([0.0009, 1001.0]))
    assert inside["passed"] and inside["mismatched"] == 0 and inside["elements"] == 2
    assert inside["max_abs_err"] == 1.0 and abs(inside["max_rel_err"] - 1e-3) < 1e-9
    assert not check(np.float32([0.0]), np.float32([0.0011]))["passed"]
    outside = check(np.float32([0.0, 1000.0]), np.float32([0.0021, 1000.0]))
    assert not outside["passed"] and outside["mismatched"] == 1
    assert outside["max_rel_err"] == 0.0  # a zero expected value has no relative error: it is left out


def test_nan_matches_nan_and_infinity_matches_itself():
    assert check(np.float32([np.nan, np.inf, -np.inf]), np.float32([np.nan, np.inf, -np.inf]))["passed"]
    found = check(np.float32([np.nan, np.inf, 1.0]), np.float32([1.0, -np.inf, 1.0]))
    assert found["mismatched"] == 2 and found["max_abs_err"] == 0.0  # errors only over finite pairs


def test_integers_booleans_and_strings_must_be_equal():
    assert check(np.int64([1, 2]), np.int64([1, 2]))["passed"]
    found = check(np.int64([1, 2]), np.int64([1, 3]), atol=10, rtol=10)
    assert found["mismatched"] == 1 and found["max_abs_err"] == 1.0
    assert not check(np.bool_([True]), np.bool_([False]))["passed"]
    strings = check(np.array(["a", "b"], dtype=object), np.array(["a", "c"], dtype=object))
    assert strings["mismatched"] == 1 and strings["max_abs_err"] is None


def test_shape_and_type_differences_fail_with_a_problem():
    found = check(np.zeros((2, 3), np.float32), np.zeros((3, 2), np.float32))
    assert found["problem"] == "shape [3, 2], expected [2, 3]"
    assert check(np.zeros(2, np.float32), np.zeros(2, np.float64))["problem"] == "type float64, expected float32"


def test_sequences_compare_element_by_element():
    found = compare_output("s", [np.float32([1.0]), np.float32([2.0])], [np.float32([1.0]), np.float32([2.5])],
                           1e-3, 1e-3)
    assert not found["passed"] and found["mismatched"] == 1 and found["elements"] == 2 and found["max_abs_err"] == 0.5
    assert compare_output("s", [np.float32([1.0])], [], 1e-3, 1e-3)["problem"] == "a sequence of 0, expected 1"
