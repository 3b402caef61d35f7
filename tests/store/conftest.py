"""Store backends under test, and which concerns each provides; contract tests run per concern.

A contract module names the Protocol it checks (``CONCERN = AuditTrail``); its tests that use the
``backend``/``store``/``store_url`` fixtures then run once per backend that lists that concern in
``provides``. To test a new backend, add a ``Backend`` to ``BACKENDS`` whose ``url`` gives a fresh,
empty, persistent store for one test (skip when its service is not configured) and list the concerns it
provides: only those contracts run against it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.store import (
    ActivityDedup,
    AuditTrail,
    ConversationReferences,
    DigestSchedules,
    HookSubscriptions,
    ModelCheckResults,
    SingleUseTokens,
    StoreLifecycle,
    VersionedState,
    WorkJournal,
    open_store,
)

EVERY_CONCERN: frozenset[type] = frozenset(
    {VersionedState, ConversationReferences, AuditTrail, SingleUseTokens, ActivityDedup, WorkJournal,
     ModelCheckResults, HookSubscriptions, DigestSchedules, StoreLifecycle}
)


@dataclass(frozen=True)
class Backend:
    name: str
    url: Callable[[Path], str]  # a fresh persistent store URL, given the test's tmp_path
    provides: frozenset[type]  # the concern Protocols whose contracts it must pass
    raw_sql: bool  # whether tests may open the database with sqlite3 directly

    def __post_init__(self) -> None:
        if StoreLifecycle not in self.provides:
            raise ValueError(f"backend {self.name}: every backend provides StoreLifecycle (ping, close)")


BACKENDS = [
    Backend("sqlite", lambda tmp: f"sqlite:///{tmp / 'store' / 'bot.db'}", provides=EVERY_CONCERN, raw_sql=True),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a module's backend-using tests against every backend that provides its ``CONCERN``."""
    if "backend" not in metafunc.fixturenames:
        return
    concern = getattr(metafunc.module, "CONCERN", None)
    if concern is None:
        raise pytest.UsageError(f"{metafunc.module.__name__} uses a store: set CONCERN to the Protocol it tests")
    backends = [backend for backend in BACKENDS if concern in backend.provides]
    metafunc.parametrize("backend", backends, ids=[backend.name for backend in backends], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.param


@pytest.fixture
def raw_sql(backend: Backend) -> bool:
    return backend.raw_sql


@pytest.fixture
def store_url(backend: Backend, tmp_path: Path) -> str:
    return backend.url(tmp_path)


@pytest_asyncio.fixture
async def store(store_url: str) -> AsyncIterator[Any]:
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def reopen(store_url: str) -> Callable[[], AbstractAsyncContextManager[Any]]:
    """Opens the store at this test's URL (again), closing it on leaving: for persistence tests."""

    @asynccontextmanager
    async def opened() -> AsyncIterator[Any]:
        again = await open_store(store_url)
        try:
            yield again
        finally:
            await again.close()

    return opened
