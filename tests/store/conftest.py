"""Store backends under test, and which concerns each provides; contract tests run per concern.

Backends: SQLite (a file in the test's tmp_path) and Azure Blob Storage (a fresh container per test on one Azurite
shared by the session, started when the first Blob test needs it, stopped at the end).

A contract module names the Protocol it checks (``CONCERN = AuditTrail``); its tests that use the
``backend``/``store``/``store_url`` fixtures then run once per backend that lists that concern in
``provides``. To test a new backend, add a ``Backend`` to ``BACKENDS`` whose ``url`` gives a fresh,
empty, persistent store for one test (skip when its service is not configured) and list the concerns it
provides: only those contracts run against it.
"""

from __future__ import annotations

import uuid
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
    Leases,
    ModelCheckResults,
    SingleUseTokens,
    StoreLifecycle,
    VersionedState,
    WorkJournal,
    open_store,
)
from tests import azurite_fixtures

EVERY_CONCERN: frozenset[type] = frozenset(
    {VersionedState, ConversationReferences, AuditTrail, SingleUseTokens, ActivityDedup, WorkJournal,
     ModelCheckResults, HookSubscriptions, DigestSchedules, Leases, StoreLifecycle}
)


@dataclass(frozen=True)
class Backend:
    name: str
    url: Callable[[Path, pytest.FixtureRequest], str]  # a fresh persistent store URL (tmp_path, the request)
    provides: frozenset[type]  # the concern Protocols whose contracts it must pass
    raw_sql: bool  # whether tests may open the database with sqlite3 directly

    def __post_init__(self) -> None:
        if StoreLifecycle not in self.provides:
            raise ValueError(f"backend {self.name}: every backend provides StoreLifecycle (ping, close)")


def azblob_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A new container on the session's Azurite, with Azurite's well-known key in the environment."""
    endpoint = request.getfixturevalue("azurite_blob")
    request.getfixturevalue("monkeypatch").setenv("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true")
    return f"azblob://{endpoint.removeprefix('http://')}/devstoreaccount1/t{uuid.uuid4().hex[:20]}"


BACKENDS = [
    Backend("sqlite", lambda tmp, _: f"sqlite:///{tmp / 'store' / 'bot.db'}", provides=EVERY_CONCERN, raw_sql=True),
    Backend("azblob", azblob_url, provides=EVERY_CONCERN, raw_sql=False),
]


azurite_blob = azurite_fixtures.azurite_blob  # one Azurite for the session


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a module's backend-using tests against every backend that provides its ``CONCERN``."""
    if "backend" not in metafunc.fixturenames:
        return
    concern = getattr(metafunc.module, "CONCERN", None)
    if concern is None:
        raise pytest.UsageError(f"{metafunc.module.__name__} uses a store: set CONCERN to the Protocol it tests")
    backends = [backend for backend in BACKENDS if concern in backend.provides]
    if "raw_sql" in metafunc.fixturenames:  # a test of what raw SQL cannot do: the backends that have SQL only
        backends = [backend for backend in backends if backend.raw_sql]
    metafunc.parametrize("backend", backends, ids=[backend.name for backend in backends], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.param


@pytest.fixture
def raw_sql(backend: Backend) -> bool:
    return backend.raw_sql


@pytest.fixture
def store_url(backend: Backend, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return backend.url(tmp_path, request)


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
