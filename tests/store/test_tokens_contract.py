"""Contract of ``SingleUseTokens``: every backend that provides it must pass these tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import ConfirmationToken, SingleUseTokens

pytestmark = pytest.mark.asyncio

CONCERN = SingleUseTokens

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _token(token: str = "tok-1", expires_at: datetime | None = NOW + timedelta(minutes=5)) -> ConfirmationToken:
    return ConfirmationToken(
        token=token,
        operation="repo.delete",
        requested_by="aad-1",
        payload={"repo": "x", "n": [1, 2]},
        expires_at=expires_at,
    )


async def test_confirmation_put_peek_take_single_use(store: SingleUseTokens) -> None:
    token = _token()
    await store.put_confirmation(token)

    assert await store.peek_confirmation("tok-1", NOW) == token
    assert await store.peek_confirmation("tok-1", NOW) == token  # peeking does not use it up
    assert await store.take_confirmation("tok-1", NOW) == token
    assert await store.take_confirmation("tok-1", NOW) is None
    assert await store.peek_confirmation("tok-1", NOW) is None
    assert await store.take_confirmation("unknown", NOW) is None


async def test_expired_confirmation_returns_none(store: SingleUseTokens) -> None:
    await store.put_confirmation(_token(expires_at=NOW + timedelta(minutes=5)))
    later = NOW + timedelta(minutes=5)

    assert await store.peek_confirmation("tok-1", later) is None
    assert await store.take_confirmation("tok-1", later) is None
    assert await store.take_confirmation("tok-1", NOW) is not None  # it was expiry, not use, that hid it


async def test_confirmation_without_expiry_never_expires(store: SingleUseTokens) -> None:
    await store.put_confirmation(_token(expires_at=None))

    assert await store.take_confirmation("tok-1", NOW + timedelta(days=3650)) == _token(expires_at=None)


async def test_confirmation_token_cannot_be_put_twice(store: SingleUseTokens) -> None:
    await store.put_confirmation(_token())
    await store.take_confirmation("tok-1", NOW)

    with pytest.raises(ValueError):
        await store.put_confirmation(_token())
    assert await store.take_confirmation("tok-1", NOW) is None


async def test_concurrent_take_exactly_one_wins(store: SingleUseTokens) -> None:
    await store.put_confirmation(_token())

    results = await asyncio.gather(*(store.take_confirmation("tok-1", NOW) for _ in range(20)))

    assert sum(result is not None for result in results) == 1


async def test_tokens_survive_reopen(reopen) -> None:
    async with reopen() as first:
        await first.put_confirmation(_token())

    async with reopen() as second:
        assert await second.take_confirmation("tok-1", NOW) == _token()
