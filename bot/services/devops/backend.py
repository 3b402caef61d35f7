"""Azure DevOps as a backend (bot.backends): configured by AZURE_DEVOPS_ORG_URL, ready when its project reads."""

from __future__ import annotations

from collections.abc import Sequence

from bot.backends import Backend, CachedReadiness, ReadinessCheck, register
from bot.policy import RoleSource
from bot.services.devops.client import DevOpsClient
from bot.settings import Settings, is_loopback_url


def _readiness(client: DevOpsClient) -> ReadinessCheck:
    """Ready when the configured project can be read."""
    from bot.services.devops.projects import project_id

    async def project_reads() -> None:
        await project_id(client)

    return CachedReadiness(project_reads)


def _role_sources(client: DevOpsClient, settings: Settings) -> Sequence[RoleSource]:
    from bot.services.devops.roles import DevOpsAdmins

    return (DevOpsAdmins(client, settings.admin_group),)


async def _close(client: DevOpsClient) -> None:
    await client.close()


AZURE_DEVOPS: Backend[DevOpsClient] = register(Backend(
    name="azure_devops",
    title="Azure DevOps",
    configured=lambda settings: bool(settings.devops_org_url),
    connect=DevOpsClient.from_settings,
    readiness=_readiness,
    close=_close,
    target=lambda settings: "sandbox" if is_loopback_url(settings.devops_org_url) else "azure",
    settings_hint="Set AZURE_DEVOPS_ORG_URL (https://dev.azure.com/<organization>), AZURE_DEVOPS_PROJECT, "
    "AZURE_DEVOPS_TEAM and either AZURE_DEVOPS_PAT or an Entra identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, "
    "AZURE_CLIENT_SECRET, or a managed identity), then restart the bot.",
    role_sources=_role_sources,
))
