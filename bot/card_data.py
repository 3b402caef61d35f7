"""Reading what a card's button sends back: its data come from the sender, so every value is checked."""

from __future__ import annotations

from typing import Any

MAX_INT = 10**9


def int_of(data: dict[str, Any], key: str, default: int = 0, *, low: int = 0, high: int = MAX_INT) -> int:
    """``data[key]`` as an int within [low, high]; ``default`` when it is missing or not a usable number
    (a string, null, NaN, infinity, 1e999, a bool)."""
    value = data.get(key, default)
    if isinstance(value, bool):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return min(max(number, low), high)
