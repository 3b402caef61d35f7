"""Continuation-token paging as the service does it: a page plus ``x-ms-continuationtoken``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from .errors import bad_request

T = TypeVar("T")

CONTINUATION_HEADER = "x-ms-continuationtoken"


def encode_token(offset: int, opaque: bool = True) -> str:
    if not opaque:
        return str(offset)
    return base64.urlsafe_b64encode(f"skip:{offset}".encode()).decode().rstrip("=")


def decode_token(token: str | None) -> int:
    if token in (None, ""):
        return 0
    if token.isdigit():
        return int(token)
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request(f"The continuation token '{token}' is not valid.",
                          "InvalidContinuationTokenException") from None
    prefix, _, number = text.partition(":")
    if prefix != "skip" or not number.isdigit():
        raise bad_request(f"The continuation token '{token}' is not valid.",
                          "InvalidContinuationTokenException")
    return int(number)


def page(items: Sequence[T], token: str | None, size: int, opaque: bool = True) -> tuple[list[T], str | None]:
    """One page of ``items`` starting at ``token``, and the token of the next page if any."""
    start = decode_token(token)
    size = max(1, size)
    chunk = list(items[start:start + size])
    following = start + size
    return chunk, (encode_token(following, opaque) if following < len(items) else None)
