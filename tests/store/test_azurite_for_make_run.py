"""`make run STORE=azurite`: deploy/local starts Azurite and hands the bot settings that open a Blob store on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.store import open_store
from deploy.local import devstack

pytestmark = pytest.mark.asyncio


async def test_make_run_store_azurite_gives_the_bot_a_blob_store(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    if not devstack.AZURITE_BLOB_BIN.exists():
        pytest.skip("Azurite is not installed (run `npm ci`)")
    child, store_settings = devstack.start_azurite(tmp_path / "logs", tmp_path / "azurite", devstack.free_port())
    try:
        settings = load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="1", **store_settings)
        store = await open_store(settings.store_url, settings.azure_storage_connection_string.get_secret_value())
        try:
            assert type(store).__name__ == "AzureBlobStore"
            assert await store.save_conversation_reference("c1", {"id": "c1"}) is True
        finally:
            await store.close()
        assert any((tmp_path / "azurite").iterdir())  # kept on disk, between runs
    finally:
        assert child.stop() is not None
