"""Azure ML as a backend (bot.backends): configured by AZUREML_CONFIG or the workspace's names, ready when the
workspace answers the bot's identity."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.backends import Backend, ReadinessCheck, register
from bot.services.azureml.client import AzureMLClient
from bot.settings import is_loopback_url

OK_TTL_S = 60.0


class WorkspaceReachable:
    """Raises when the workspace cannot be read; a success is remembered for a minute (probes stay cheap)."""

    def __init__(self, azureml: AzureMLClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._azureml = azureml
        self._clock = clock
        self._ok_at: float | None = None

    async def __call__(self) -> None:
        if self._ok_at is not None and self._clock() - self._ok_at < OK_TTL_S:
            return
        from bot.services.azureml.registry import read_workspace

        await read_workspace(self._azureml)
        self._ok_at = self._clock()


def _readiness(client: AzureMLClient) -> ReadinessCheck:
    return WorkspaceReachable(client)


async def _close(client: AzureMLClient) -> None:
    await client.close()


AZURE_ML: Backend[AzureMLClient] = register(Backend(
    name="azure_ml",
    title="Azure ML",
    configured=lambda settings: settings.workspace() is not None,
    connect=AzureMLClient.from_settings,
    readiness=_readiness,
    close=_close,
    target=lambda settings: "sandbox" if is_loopback_url(settings.azureml_arm_endpoint) else "azure",
    settings_hint="Set AZUREML_CONFIG to the workspace's config.json (Azure ML studio → the workspace → Download "
    "config.json; the workshop's has the service principal too), or AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and "
    "AZUREML_WORKSPACE, then restart the bot.",
))
