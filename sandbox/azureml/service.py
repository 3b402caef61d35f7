"""The sandbox's Azure ML: its three HTTPS origins (ARM, Entra ID, blob), its world, Azurite, and its settings.

``start`` binds nothing itself (the Sandbox binds every origin) and returns at once: the seeded models are
looked up (built on a machine's first run) and Azurite is started and filled in the background. ARM calls wait
for the models, blob calls for the filled store; ``ready()`` waits for both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

from ..http.pipeline import Origin
from . import arm, blob_proxy, entra
from .azurite import Azurite
from .blobs import ModelStore, Restored, md5_of
from .errors import arm_fault_response
from .seed import SeededVersion, azureml_seed, build_azureml_world
from .tokens import TokenSigner
from .world import AzureMLWorld

if TYPE_CHECKING:
    from ..server import Sandbox
    from ..state.world import World

log = logging.getLogger("sandbox.azureml")

ORIGINS = ("arm", "entra", "blob")
READY_TIMEOUT_S = 300.0  # a machine's first run builds the seeded models (about 20 s on 2 cores)


def default_models() -> list[SeededVersion]:
    from ..models import seed_models

    return seed_models()


class AzureML:
    """Azure ML of one sandbox: origins' answers, world, Azurite and blob store, readiness, reset, settings."""

    def __init__(self, sandbox: Sandbox, models: Callable[[], Sequence[SeededVersion]] = default_models) -> None:
        self.sandbox = sandbox
        self.folder: Path | None = None
        self.signer = TokenSigner()
        self.world: AzureMLWorld | None = None
        self.origins: dict[str, str] = {}
        self.azurite = Azurite()
        self.http: aiohttp.ClientSession | None = None
        self._models = models
        self._seeded: Sequence[SeededVersion] | None = None
        self._world_ready: asyncio.Future | None = None
        self._blob_ready: asyncio.Future | None = None
        self._task: asyncio.Task | None = None
        self._restore_lock: asyncio.Lock | None = None
        self._store: ModelStore | None = None
        self.blob_store_changed = False  # a write reached the blob origin since the store was last restored

    # ---- origins and settings ----------------------------------------------------------------
    def origin_handlers(self) -> dict[str, Origin]:
        seed = azureml_seed()
        return {"arm": Origin("arm", arm.make_answer(self), arm_fault_response(seed["subscription_id"])),
                "entra": Origin("entra", entra.make_answer(self), entra.entra_fault_response),
                "blob": Origin("blob", blob_proxy.make_answer(self), blob_proxy.blob_fault_response)}

    @property
    def arm_origin(self) -> str:
        return self.origins["arm"]

    @property
    def authority(self) -> str:
        return self.origins["entra"]

    @property
    def blob_origin(self) -> str:
        return self.origins["blob"]

    @property
    def blob_endpoint_suffix(self) -> str:
        """The datastore's ``endpoint`` (Azure: ``core.windows.net``): ``https://{account}.blob.{endpoint}`` reaches the
        blob origin wherever ``*.localhost`` resolves to loopback (RFC 6761); elsewhere use AZUREML_BLOB_ENDPOINT.
        azure-storage-blob finds the account name in such a host only before ``.blob.core.``, hence ``core.``."""
        return "core.localhost:" + self.blob_origin.rsplit(":", 1)[1]

    def tenant(self) -> World:
        return self.sandbox.world

    def config(self) -> dict:
        """The workshop's ``config.json`` for this workspace and its service principal."""
        seed = azureml_seed()
        app = next(a for a in self.tenant().entra_apps.values() if a.display_name == seed["service_principal"])
        secret = max(app.secrets, key=lambda s: s.expires)
        return {"subscription_id": seed["subscription_id"], "resource_group": seed["resource_group"],
                "workspace_name": seed["workspace"]["name"], "workspace_region": seed["workspace"]["location"],
                "service_principal_id": app.app_id, "service_principal_password": secret.value,
                "tenant_id": self.tenant().tenant_id}

    def env(self, ca_bundle: Path) -> dict[str, str]:
        seed = azureml_seed()
        account = seed["storage"]["account_name"]
        return {
            "AZURE_SUBSCRIPTION_ID": seed["subscription_id"],
            "AZURE_RESOURCE_GROUP": seed["resource_group"],
            "AZUREML_WORKSPACE": seed["workspace"]["name"],
            "AZUREML_ARM_ENDPOINT": self.arm_origin + "/",
            "AZURE_AUTHORITY_HOST": self.authority,
            "AZURE_CA_BUNDLE": str(ca_bundle),
            "AZUREML_CONFIG": str(self.folder / "config.json"),
            "AZUREML_BLOB_ENDPOINT": f"{self.blob_origin}/{account}",
        }

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self, origins: dict[str, str], folder: Path) -> None:
        """Serves on ``origins`` (bound by the Sandbox); writes config.json into ``folder``."""
        self.origins, self.folder = origins, folder
        loop = asyncio.get_running_loop()
        self._world_ready, self._blob_ready = loop.create_future(), loop.create_future()
        self._restore_lock = asyncio.Lock()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300))
        (self.folder / "config.json").write_text(json.dumps(self.config(), indent=2) + "\n", encoding="utf-8")
        self._task = asyncio.create_task(self._prepare())

    async def _prepare(self) -> None:
        azurite = asyncio.create_task(self.azurite.start(self.folder))
        try:
            await self._register_models()
            await self._fill_blob_store(azurite)
        finally:
            if not azurite.done():  # stopping meanwhile: Azurite.start stops what it started
                azurite.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await azurite

    async def _register_models(self) -> None:
        try:
            seeded = await asyncio.to_thread(self._models)
            with self.sandbox.lock:
                self._seeded = seeded
                self.world = build_azureml_world(self.sandbox.clock.now(), self.tenant(), seeded)
                self.world.page_size = self.sandbox.world.page_size
            # the files' MD5s (Content-MD5, compared at each reset) while Azurite boots
            await asyncio.to_thread(lambda: [md5_of(f.source) for f in self.world.all_files()])
        except Exception as exc:  # reported to every caller that waits for it
            log.exception("the seeded models could not be loaded")
            for future in (self._world_ready, self._blob_ready):
                future.set_exception(RuntimeError(f"the seeded models could not be loaded: {exc}"))
            raise
        self._world_ready.set_result(True)

    async def _fill_blob_store(self, azurite: asyncio.Task) -> None:
        try:
            upstream = await azurite
            restored = await self._restore(upstream)
        except Exception as exc:  # noqa: BLE001 - the ARM side still works; blob calls report the reason
            log.error("the blob store could not be prepared: %s", exc)
            self._blob_ready.set_exception(RuntimeError(str(exc)))
            return
        log.info("blob store ready: %d file(s) uploaded", restored.uploaded)
        self._blob_ready.set_result(upstream)

    async def _restore(self, upstream: str) -> Restored:
        world = self.world
        if self._store is None:
            self._store = ModelStore(f"{upstream}/{world.datastore.account_name}", world.datastore.account_name,
                                     world.datastore.account_key, world.datastore.container)
        async with self._restore_lock:
            return await asyncio.to_thread(self._store.restore, world.all_files())

    async def stop(self) -> None:
        if self._store is not None:
            self._store.close()  # uploads not yet begun give up
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        for future in (self._world_ready, self._blob_ready):
            if future is not None and not future.done():
                future.set_exception(RuntimeError("the sandbox stopped"))
            if future is not None and future.done() and not future.cancelled():
                future.exception()  # retrieved: no "never retrieved" warning
        await self.azurite.stop()
        if self.http is not None:
            await self.http.close()

    # ---- readiness -----------------------------------------------------------------------------
    async def world_ready(self) -> AzureMLWorld:
        await asyncio.wait_for(asyncio.shield(self._world_ready), READY_TIMEOUT_S)
        return self.world

    async def blob_ready(self) -> str:
        return await asyncio.wait_for(asyncio.shield(self._blob_ready), READY_TIMEOUT_S)

    async def ready(self, timeout: float) -> dict:
        """Waits (up to ``timeout`` s) for the models and the blob store; says how each stands."""
        with contextlib.suppress(TimeoutError, RuntimeError):
            await asyncio.wait_for(asyncio.shield(self._blob_ready), timeout)
        return {"models": _state(self._world_ready), "blob_store": _state(self._blob_ready),
                "azurite_pid": self.azurite.pid}

    # ---- reset ---------------------------------------------------------------------------------
    def reset(self, page_size: int | None) -> None:
        """A fresh world from the seed (called by Sandbox.reset under its lock); the blobs are restore_blobs'."""
        if self._seeded is not None:
            self.world = build_azureml_world(self.sandbox.clock.now(), self.tenant(), self._seeded)
            self.world.page_size = page_size

    async def restore_blobs(self) -> Restored | None:
        """After a reset: the store back to the seed if a write reached it (one listing, then only what differs);
        None while it is not ready."""
        if self._blob_ready is None or not self._blob_ready.done() or self._blob_ready.exception():
            return None
        if not self.blob_store_changed:
            return Restored(0, 0)
        self.blob_store_changed = False
        return await self._restore(self._blob_ready.result())


def _state(future: asyncio.Future | None) -> str:
    if future is None or not future.done():
        return "starting"
    if future.cancelled():
        return "stopped"
    error = future.exception()
    return f"failed: {error}" if error else "ready"
