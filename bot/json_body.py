"""Reads a request body as one JSON object, within bounds checked before and while parsing.

The Bot Framework requires activities to be JSON (RFC 4627, unique field names; spec A2001). What a sender
could use to crash or confuse the parser is refused here with a reason (the caller answers 400):
- bytes that are not UTF-8 (a UTF-8 byte order mark is allowed and skipped; RFC 8259 section 8.1);
- nesting deeper than ``MAX_DEPTH`` (counted on the text before parsing: json.loads recurses per level);
- NaN/Infinity literals and numbers Python refuses to read (integers over 4300 digits raise ValueError);
- a field name given twice in one object (another parser could pick the other value);
- lone UTF-16 surrogates written as ``\\ud800`` escapes: valid JSON text, but no valid Unicode, and
  unencodable for SQLite, logs or the connector later in the turn.
The size bound is aiohttp's ``client_max_size`` (MAX_BODY_BYTES, 413), applied while the body is read.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64
"""Deepest nesting of arrays/objects accepted. Teams activities nest about 6 levels, Adaptive Cards ~20."""

# A string literal, or an unterminated one up to the end: this never fails once started, so it is linear.
_STRING = re.compile(r'"(?:[^"\\]|\\.?)*+(?:"|\Z)', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class BodyRejected(Exception):
    """The body cannot be an activity; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nesting_depth(text: str, limit: int) -> int:
    """The nesting depth of a JSON text, strings skipped (or its count of openers, an upper bound, when <= limit)."""
    structure = _STRING.sub("", text)
    openers = structure.count("[") + structure.count("{")
    if openers <= limit:
        return openers
    return max(accumulate(map(_STEP.__getitem__, _BRACKETS.findall(structure))))


def _unique_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise BodyRejected("a field name appears twice in one object")
    return result


def _no_constants(name: str) -> Any:
    raise BodyRejected(f"{name} is not a JSON number")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _finite_float(text: str) -> float:
    """A JSON number as a float, refused when it does not fit one (1e999 would silently be infinity)."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def parse_json_object(raw: bytes, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The body as a dict, or BodyRejected with the reason it cannot be one."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyRejected("the body is not UTF-8") from None
    if nesting_depth(text, max_depth) > max_depth:
        raise BodyRejected(f"the body nests deeper than {max_depth} levels")
    try:
        value = json.loads(text, object_pairs_hook=_unique_fields, parse_constant=_no_constants,
                           parse_float=_finite_float)
    except (ValueError, RecursionError):  # JSONDecodeError, too many digits; depth is checked above
        raise BodyRejected("the body is not JSON") from None
    if not isinstance(value, dict):
        raise BodyRejected("the body must be a JSON object")
    if _has_lone_surrogate(value):
        raise BodyRejected("the body has text that is not valid Unicode (a lone surrogate)")
    return value
