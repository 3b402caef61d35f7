"""Reads the one bearer token a request carries, refusing every ambiguous or incomplete form.

botbuilder validates the signature, issuer, audience, serviceurl claim and times; it does not require `exp`,
uses the first of several Authorization headers, accepts only "Bearer" in that exact case, and reads JSON
with duplicate keys as their last value (another reader might take the first). Checked here, before it:

- exactly one Authorization header, `<scheme> 1*SP <token>` with the scheme "bearer" in any case (RFC 7235
  section 2.1, RFC 6750 section 2.1), the token a JWS compact serialisation: three base64url segments;
- header and payload are JSON objects without duplicate keys; the header names alg RS256, a string kid and
  no `crit` extension;
- `exp` is present and a finite number; `nbf` and `iat`, when present, are finite numbers (PyJWT then checks all three
  against the clock with botbuilder's 5-minute skew, the Bot Framework's documented allowance).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Sequence
from typing import Any

_SEGMENT = r"[A-Za-z0-9_-]+"
_JWS = re.compile(rf"{_SEGMENT}\.{_SEGMENT}\.{_SEGMENT}", re.ASCII)
_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z]+) +(?P<token>\S+)", re.ASCII)
ALGORITHM = "RS256"
TIME_CLAIMS = ("exp", "nbf", "iat")


class TokenRefused(Exception):
    """The request's credentials are missing a part, ambiguous or malformed; the message says which."""


def bearer_token(values: Sequence[str]) -> str | None:
    """The token of the request's Authorization header values; None without one; raises TokenRefused."""
    if not values:
        return None
    if len(values) > 1:
        raise TokenRefused("more than one Authorization header")
    match = _CREDENTIALS.fullmatch(values[0])
    if match is None or match["scheme"].lower() != "bearer":
        raise TokenRefused("Authorization is not `Bearer <token>`")
    token = match["token"]
    if not _JWS.fullmatch(token):
        raise TokenRefused("the bearer token is not a signed JWT (three base64url segments)")
    _check(token)
    return token


def _check(token: str) -> None:
    header_segment, payload_segment, _ = token.split(".")
    header = _json_object(header_segment, "header")
    if header.get("alg") != ALGORITHM:
        raise TokenRefused(f"the token's alg is not {ALGORITHM}")
    if not isinstance(header.get("kid"), str):
        raise TokenRefused("the token names no key (kid)")
    if "crit" in header:
        raise TokenRefused("the token requires extensions (crit) the bot does not know")
    claims = _json_object(payload_segment, "payload")
    if "exp" not in claims:
        raise TokenRefused("the token has no expiry (exp)")
    for name in TIME_CLAIMS:
        if name in claims and not _is_number(claims[name]):
            raise TokenRefused(f"the token's {name} is not a number")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _json_object(segment: str, part: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(raw, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise TokenRefused(f"the token's {part} is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(value, dict):
        raise TokenRefused(f"the token's {part} is not a JSON object")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def verified_claims_complete(claims: dict[str, Any]) -> bool:
    """After botbuilder verified the signature: the verified claims still carry a numeric exp."""
    return _is_number(claims.get("exp"))
