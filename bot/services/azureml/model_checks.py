"""Registered model versions checked with onnxruntime, once: downloaded from the workspace, checked in a separate
process with a time and a memory limit (bot.isolation), and the result kept by the ONNX file's sha256.

* Asking again answers from the store at once; a new version is checked once; a check already running is joined,
  not repeated (also when two versions share the same bytes).
* A model file is untrusted input: the check runs in a child process; a corrupt file, a missing operator, a model
  that needs more memory or time than allowed, a crash: each is a result (``cannot_run`` with the reason), never
  a dead bot. A download that fails is a result too, but not kept: the next request tries again.
* A version's files never change in Azure ML, so which file a version has is remembered too (no download to
  answer ``models`` once a version was checked).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import telemetry
from bot.errors import UserFacingError
from bot.isolation import IsolatedRunner, Limits, Ok
from bot.services.azureml.client import AzureMLClient
from bot.services.azureml.model import ModelVersion
from bot.services.azureml.registry import blob_location, download
from bot.services.models.options import tolerances_from_tags
from bot.store import ModelCheck, ModelCheckResults

log = logging.getLogger(__name__)

CHECKER = "bot.services.models.check:check_model"
CHECKER_VERSION = "1"  # bump when what the checker reports changes meaning: old results are then not reused


def result_key(sha256: str) -> str:
    return f"onnx/{sha256}/checker-{CHECKER_VERSION}"


def version_key(azureml: AzureMLClient, version: ModelVersion) -> str:
    ws = azureml.workspace
    return f"version/{ws.subscription_id}/{ws.resource_group}/{ws.workspace_name}/{version.name}/{version.version}"


def onnx_file(folder: Path) -> Path | None:
    """The model's ONNX file: model.onnx, else the only *.onnx in the folder."""
    if (folder / "model.onnx").is_file():
        return folder / "model.onnx"
    found = sorted(folder.rglob("*.onnx"))
    return found[0] if len(found) == 1 else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ModelChecks:
    """Check results of the workspace's model versions (see the module docstring)."""

    def __init__(self, azureml: AzureMLClient, store: ModelCheckResults, runner: IsolatedRunner, *, limits: Limits,
                 cache_dir: Path, clock: Callable[[], datetime],
                 exclusive: Callable[[str], AbstractAsyncContextManager[object]] | None = None) -> None:
        self._exclusive = exclusive or (lambda _name: contextlib.nullcontext())  # across instances (bot/model_checks)
        self._azureml = azureml
        self._store = store
        self._runner = runner
        self._limits = limits
        self._cache_dir = cache_dir
        self._clock = clock
        self._running: dict[str, asyncio.Future[dict[str, Any]]] = {}  # by version
        self._checking: dict[str, asyncio.Future[dict[str, Any]]] = {}  # by the file's sha256

    async def stored(self, version: ModelVersion) -> dict[str, Any] | None:
        """The version's result if it was checked already (no download, no check)."""
        known = await self._store.get_model_check(version_key(self._azureml, version))
        if known is None:
            return None
        found = await self._store.get_model_check(result_key(str(known.result.get("sha256", ""))))
        return found.result if found is not None else None

    def running(self, version: ModelVersion) -> bool:
        return version_key(self._azureml, version) in self._running

    async def check(self, version: ModelVersion) -> dict[str, Any]:
        """The version's result: from the store, from a check already running, or from a new check."""
        stored = await self.stored(version)
        if stored is not None:
            return stored
        key = version_key(self._azureml, version)
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(self._check_once(version))
            self._running[key] = running
            running.add_done_callback(lambda _: self._running.pop(key, None))
        return await asyncio.shield(running)

    async def _check_once(self, version: ModelVersion) -> dict[str, Any]:
        workdir = Path(tempfile.mkdtemp(prefix="model-", dir=self._ready_cache()))
        try:
            try:
                folder = await download(self._azureml, await blob_location(self._azureml, version), workdir)
            except UserFacingError as exc:  # not kept: the next request tries again
                log.warning("model download failed", extra={"model": version.name, "reason": exc.message[:200]})
                return {"verdict": "cannot_run", "reason": f"The model's files could not be downloaded: {exc.message}",
                        "kept": False}
            model = onnx_file(folder)
            if model is None:
                return {"verdict": "cannot_run", "reason": "The version has no single ONNX file (model.onnx).",
                        "kept": False}
            sha256 = sha256_of(model)
            await self._store.put_model_check(ModelCheck(version_key(self._azureml, version),
                                                         {"sha256": sha256}, self._clock()))
            known = await self._store.get_model_check(result_key(sha256))
            if known is not None:  # the same bytes were checked for another version
                return known.result
            checking = self._checking.get(sha256)
            if checking is None:  # the same bytes being checked for another version are joined
                checking = asyncio.ensure_future(self._check_file(folder, model, sha256, version))
                self._checking[sha256] = checking
                checking.add_done_callback(lambda _: self._checking.pop(sha256, None))
            return await asyncio.shield(checking)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    async def _check_file(self, folder: Path, model: Path, sha256: str, version: ModelVersion) -> dict[str, Any]:
        async with self._exclusive(f"model-check:{sha256}"):  # another instance checking this file: waited for
            known = await self._store.get_model_check(result_key(sha256))
            if known is not None:  # checked meanwhile, by another instance
                return known.result
            log.info("model check started", extra={"model": version.name, "version": version.version,
                                                   "file": sha256[:12]})
            with telemetry.span("model_check", model=version.name, version=version.version) as span, \
                    telemetry.timed(telemetry.MODEL_CHECK_DURATION) as measured:
                measured["verdict"] = "error"
                result = await self._run_checker(folder, model, sha256, version)
                measured["verdict"] = str(result.get("verdict", ""))
                span.set(verdict=measured["verdict"], ended=result.get("ended"))
            await self._store.put_model_check(ModelCheck(result_key(sha256), result, self._clock()))
        return result

    async def _run_checker(self, folder: Path, model: Path, sha256: str, version: ModelVersion) -> dict[str, Any]:
        outcome = await self._runner.run(CHECKER, str(model.parent if model.parent != folder else folder),
                                         tolerances_from_tags(version.tags), limits=self._limits)
        if isinstance(outcome, Ok) and isinstance(outcome.value, dict):
            return {**outcome.value, "sha256": sha256}
        log.info("model check ended without a report", extra={"model": version.name, "kind": outcome.kind})
        return {"verdict": "cannot_run", "reason": outcome.describe(), "sha256": sha256,
                "size_bytes": model.stat().st_size, "ended": outcome.kind}

    def _ready_cache(self) -> Path:
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        return self._cache_dir
