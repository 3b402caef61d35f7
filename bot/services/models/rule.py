"""onnxruntime's own rule for expected outputs: an element passes when |expected - actual| <= atol + rtol*|expected|.

As onnxruntime's test runner: NaN matches NaN and an infinity matches the same infinity; integer, boolean and
string outputs must be equal. Reported per output: elements, mismatched elements, the largest absolute error and
the largest relative error |expected - actual| / |expected| (over elements whose expected value is finite and not
zero; absolute errors over finite pairs), so the numbers are always finite JSON (or null).
"""

from __future__ import annotations

from typing import Any


def compare_output(name: str, expected: Any, actual: Any, atol: float, rtol: float) -> dict[str, Any]:
    """One output's verdict: {name, passed, elements, mismatched, max_abs_err, max_rel_err, problem}."""
    import numpy as np

    if isinstance(expected, list | tuple) or isinstance(actual, list | tuple):
        return _compare_sequence(name, expected, actual, atol, rtol)
    expected, actual = np.asarray(expected), np.asarray(actual)
    found = {"name": name, "passed": False, "elements": int(expected.size), "mismatched": int(expected.size),
             "max_abs_err": None, "max_rel_err": None, "problem": None}
    if expected.shape != actual.shape:
        found["problem"] = f"shape {list(actual.shape)}, expected {list(expected.shape)}"
        return found
    if expected.dtype.kind in "fc" or actual.dtype.kind in "fc":
        if expected.dtype != actual.dtype:
            found["problem"] = f"type {actual.dtype}, expected {expected.dtype}"
            return found
        mismatched, max_abs, max_rel = _within_tolerance(expected, actual, atol, rtol)
    else:
        if expected.dtype.kind in "OSU" or actual.dtype.kind in "OSU":
            equal = expected.astype(str) == actual.astype(str)
            max_abs = max_rel = None
        else:
            equal = expected == actual
            max_abs, max_rel = _errors(expected.astype(np.float64), actual.astype(np.float64))
        mismatched = int(equal.size - np.count_nonzero(equal))
    found.update(passed=mismatched == 0, mismatched=mismatched, max_abs_err=max_abs, max_rel_err=max_rel)
    return found


def _within_tolerance(expected, actual, atol: float, rtol: float) -> tuple[int, float | None, float | None]:
    import numpy as np

    if expected.dtype.kind == "c":
        expected, actual = expected.view(expected.real.dtype), actual.view(actual.real.dtype)
    exp, act = expected.astype(np.float64), actual.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(exp - act) <= atol + rtol * np.abs(exp)
    passed = np.where(np.isnan(exp), np.isnan(act), np.where(np.isinf(exp), exp == act, close))
    max_abs, max_rel = _errors(exp, act)
    return int(passed.size - np.count_nonzero(passed)), max_abs, max_rel


def _errors(exp, act) -> tuple[float | None, float | None]:
    import numpy as np

    finite = np.isfinite(exp) & np.isfinite(act)
    if not finite.any():
        return None, None
    diff = np.abs(exp[finite] - act[finite])
    denominator = np.abs(exp[finite])
    nonzero = denominator > 0
    max_rel = float((diff[nonzero] / denominator[nonzero]).max()) if nonzero.any() else None
    return float(diff.max()), max_rel


def _compare_sequence(name: str, expected: Any, actual: Any, atol: float, rtol: float) -> dict[str, Any]:
    found = {"name": name, "passed": False, "elements": 0, "mismatched": 0, "max_abs_err": None,
             "max_rel_err": None, "problem": None}
    if not (isinstance(expected, list | tuple) and isinstance(actual, list | tuple)):
        found["problem"] = "a sequence where a tensor was expected (or the other way round)"
        return found
    if len(expected) != len(actual):
        found["problem"] = f"a sequence of {len(actual)}, expected {len(expected)}"
        return found
    parts = [compare_output(f"{name}[{i}]", e, a, atol, rtol) for i, (e, a) in enumerate(zip(expected, actual,
                                                                                               strict=True))]
    found["elements"] = sum(p["elements"] for p in parts)
    found["mismatched"] = sum(p["mismatched"] for p in parts)
    found["max_abs_err"] = _largest(p["max_abs_err"] for p in parts)
    found["max_rel_err"] = _largest(p["max_rel_err"] for p in parts)
    found["problem"] = next((p["problem"] for p in parts if p["problem"]), None)
    found["passed"] = all(p["passed"] for p in parts)
    return found


def _largest(values) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
