"""Opening a store from ``STORE_URL``: the scheme chooses the backend; errors never echo the URL."""

from __future__ import annotations

import pytest

from bot.store import open_store

pytestmark = pytest.mark.asyncio


async def test_open_store_with_unknown_scheme() -> None:
    with pytest.raises(ValueError, match=r"supported schemes: sqlite://") as raised:
        await open_store("redis://user:s3cret@host/0")
    assert "s3cret" not in str(raised.value)

    with pytest.raises(ValueError, match="sqlite://"):
        await open_store("/just/a/path.db")
