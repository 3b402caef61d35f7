"""The bot's one ModelChecks (checks joined across turns and commands), with the limits the settings give, and the
verdicts of the model versions a release ships (the release command and a release link's card share them)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.container import Services
from bot.isolation import Limits
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.model_checks import ModelChecks
from bot.services.azureml.registry import model_version
from bot.services.devops.model import Release, ShippedArtifact
from bot.store_lease import preferably_held

Verdicts = dict[tuple[str, str], dict[str, Any] | None]

MIB = 1024 * 1024


def model_checks(services: Services) -> ModelChecks:
    """Made on first use: each check in its own process within MODEL_CHECK_TIMEOUT_S and MODEL_CHECK_MEMORY_MB
    (resident memory, watched; the address space is capped generously above it, so one huge allocation fails at
    once)."""
    settings = services.settings
    rss = settings.model_check_memory_mb * MIB

    def make(s: Services) -> ModelChecks:
        limits = Limits(wall_s=settings.model_check_timeout_s, rss_bytes=rss, address_space_bytes=4 * rss + 2048 * MIB)
        # one check of a file at a time across instances: another waits for it (at most a check's time limit),
        # then finds its result in the store
        return ModelChecks(s.client(AZURE_ML), s.store, s.isolation, limits=limits,
                           cache_dir=Path(tempfile.gettempdir()) / "college-bot-models", clock=s.clock,
                           exclusive=lambda name: preferably_held(s, name, wait_s=settings.model_check_timeout_s + 30))

    return services.shared(ModelChecks, make)


def shipped_models(release: Release) -> list[tuple[str, str]]:
    """(model, version) of each Azure ML model version the release ships."""
    return [(a.model, a.version) for a in release.artifacts if a.is_azure_ml_model and a.model and a.version]


async def shipped_verdict(services: Services, artifacts: Sequence[ShippedArtifact]
                          ) -> tuple[dict[str, Any] | None, bool]:
    """The check of the (first) Azure ML model version ``artifacts`` ship, and whether there was one to make: none
    without Azure ML configured or a model artifact."""
    model = next((a for a in artifacts if a.is_azure_ml_model and a.model and a.version), None)
    azureml = services.backends.optional(AZURE_ML)
    if model is None or azureml is None:
        return None, False
    return await model_checks(services).check(await model_version(azureml, model.model, model.version)), True


async def check_shipped(services: Services, shipped: list[tuple[str, str]], verdicts: Verdicts) -> None:
    """Checks each shipped model version (at once, joined with any check of the same file), filling ``verdicts`` as
    each ends; nothing without Azure ML configured."""
    azureml = services.backends.optional(AZURE_ML)
    if azureml is None or not shipped:
        return
    checks = model_checks(services)

    async def verdict(model: str, version: str) -> None:
        verdicts[(model, version)] = await checks.check(await model_version(azureml, model, version))

    await asyncio.gather(*(verdict(m, v) for m, v in shipped))
