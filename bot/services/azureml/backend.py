"""Azure ML as a backend (bot.backends): configured by AZUREML_CONFIG or the workspace's names, ready when the
workspace answers the bot's identity."""

from __future__ import annotations

from bot.backends import Backend, CachedReadiness, ReadinessCheck, register
from bot.services.azureml.client import AzureMLClient
from bot.settings import is_loopback_url


def _readiness(client: AzureMLClient) -> ReadinessCheck:
    """Ready when the workspace answers the bot's identity."""
    from bot.services.azureml.registry import read_workspace

    async def workspace_answers() -> None:
        await read_workspace(client)

    return CachedReadiness(workspace_answers)


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
