"""Fixtures shared by every test folder: a clean environment, the connector stand-in, the bot over HTTP."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.settings import Settings

# The SDK caches API locations on disk, chosen at import time: keep tests away from ~/.azure-devops.
os.environ.setdefault("AZURE_DEVOPS_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".azure-devops-cache"))

_SETTING_NAMES = {
    alias
    for field in Settings.model_fields.values()
    for alias in (getattr(field.validation_alias, "choices", None) or [field.validation_alias])
    if isinstance(alias, str)
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never pick up the developer's settings or .env."""
    for name in _SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def connector(aiohttp_server):
    from tests.harness.connector import ConnectorStandIn

    stand_in = ConnectorStandIn()
    server = await aiohttp_server(stand_in.app(), host="127.0.0.1")
    stand_in.url = str(server.make_url("")).rstrip("/")
    yield stand_in
    stand_in.release()
    assert not stand_in.card_problems, "the bot sent invalid cards:\n" + "\n".join(stand_in.card_problems)


BotFactory = Callable[..., Awaitable["TeamsClient"]]  # noqa: F821


@pytest.fixture
def bot_pacing():
    """The bot's pacing (bot.pacing.Pacing); None keeps the production one. Test modules override this fixture to
    decide the moments themselves (tests/devops/test_connections.py's StepByStep)."""
    return None


@pytest.fixture
def make_bot(aiohttp_client, connector, tmp_path: Path, bot_pacing):
    """Starts the real app with the given settings (local mode by default) and returns a TeamsClient."""
    from app import RUNTIME, create_app
    from bot.settings import load_settings
    from tests.harness.people import person
    from tests.harness.teams import TeamsClient

    async def start(**settings: object) -> TeamsClient:
        values: dict[str, object] = {
            "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": True,
            "STORE_URL": f"sqlite:///{tmp_path}/bot.db",
            "BOT_ADMINS": person("alice").aad_object_id,
        }
        values.update(settings)
        app = create_app(load_settings(_env_file=None, **values))
        client = await aiohttp_client(app)
        if bot_pacing is not None:
            app[RUNTIME].services.pacing = bot_pacing
        return TeamsClient(client, connector, connector.url)

    return start


@pytest.fixture
async def teams(make_bot):
    return await make_bot()
