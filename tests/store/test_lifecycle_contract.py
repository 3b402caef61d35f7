"""Contract of ``StoreLifecycle`` (every backend), and each backend provides what it claims."""

from __future__ import annotations

from typing import Protocol

import pytest

from bot.store import Store, StoreClosed, StoreLifecycle, open_store
from tests.store.conftest import EVERY_CONCERN

CONCERN = StoreLifecycle


def test_every_concern_of_store_is_known_to_the_backend_registry() -> None:
    assert set(Store.__bases__) - {Protocol} == EVERY_CONCERN


async def test_backend_provides_the_concerns_it_claims(backend, store: StoreLifecycle) -> None:
    missing = [concern.__name__ for concern in backend.provides if not isinstance(store, concern)]
    assert missing == []


async def test_ping(store: StoreLifecycle) -> None:
    await store.ping()


async def test_close(store_url: str) -> None:
    store = await open_store(store_url)
    await store.close()

    with pytest.raises(StoreClosed):
        await store.ping()
    await store.close()  # idempotent
