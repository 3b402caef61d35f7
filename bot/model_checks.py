"""The bot's one ModelChecks (checks joined across turns and commands), with the limits the settings give."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.container import Services
from bot.isolation import Limits
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.model_checks import ModelChecks

MIB = 1024 * 1024


def model_checks(services: Services) -> ModelChecks:
    """Made on first use: each check in its own process within MODEL_CHECK_TIMEOUT_S and MODEL_CHECK_MEMORY_MB
    (resident memory, watched; the address space is capped generously above it, so one huge allocation fails at
    once)."""
    settings = services.settings
    rss = settings.model_check_memory_mb * MIB

    def make(s: Services) -> ModelChecks:
        limits = Limits(wall_s=settings.model_check_timeout_s, rss_bytes=rss, address_space_bytes=4 * rss + 2048 * MIB)
        return ModelChecks(s.client(AZURE_ML), s.store, s.isolation, limits=limits,
                           cache_dir=Path(tempfile.gettempdir()) / "college-bot-models", clock=s.clock)

    return services.shared(ModelChecks, make)
