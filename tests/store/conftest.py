"""Fixtures for the Store contract tests, parametrised by implementation.

To run the contract against a new implementation, add a ``Backend`` to ``BACKENDS`` whose ``url``
gives a fresh, empty, persistent store for one test (skip when its service is not configured).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.store import Store, open_store


@dataclass(frozen=True)
class Backend:
    name: str
    url: Callable[[Path], str]  # a fresh persistent store URL, given the test's tmp_path
    raw_sql: bool  # whether tests may open the database with sqlite3 directly


BACKENDS = [
    Backend("sqlite", lambda tmp: f"sqlite:///{tmp / 'store' / 'bot.db'}", raw_sql=True),
]


@pytest.fixture(params=BACKENDS, ids=lambda backend: backend.name)
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.param


@pytest.fixture
def raw_sql(backend: Backend) -> bool:
    return backend.raw_sql


@pytest.fixture
def store_url(backend: Backend, tmp_path: Path) -> str:
    return backend.url(tmp_path)


@pytest_asyncio.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()
