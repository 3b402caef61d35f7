"""Builds the running bot from settings: store, policy, services, the botbuilder adapter and handler."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bot.commands  # noqa: F401  (registers every command and card action)
from bot.audit import AuditLog
from bot.http_edge import EdgeAdapter
from bot.policy import ConfiguredAdmins, Policy
from bot.proactive import BotMessenger
from bot.router import REGISTRY
from bot.services.container import Services
from bot.settings import Settings
from bot.store import Store, open_store
from bot.store.bot_state import StoreBackedStorage
from bot.teams_edge import CollegeBot
from dialogs import build_dialogs

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    services: Services
    bot: CollegeBot
    adapter: EdgeAdapter

    async def close(self) -> None:
        await self.services.background.close()
        if self.services.devops is not None:
            await self.services.devops.close()
        await self.services.store.close()


def build_services(settings: Settings, store: Store) -> Services:
    services = Services(
        settings=settings,
        store=store,
        policy=Policy([ConfiguredAdmins(settings.bot_admins)]),
        audit=AuditLog(store),
        registry=REGISTRY,
    )
    services.readiness["store"] = store.ping
    if settings.devops_configured:
        _add_devops(services, settings)
    return services


def _add_devops(services: Services, settings: Settings) -> None:
    """Azure DevOps client, its readiness check and the admin role source (no network call at start-up)."""
    from bot.services.devops import DevOpsClient
    from bot.services.devops.readiness import ProjectReachable
    from bot.services.devops.roles import DevOpsAdmins

    services.devops = DevOpsClient.from_settings(settings)
    services.readiness["azure_devops"] = ProjectReachable(services.devops)
    services.policy.add_source(DevOpsAdmins(services.devops, settings.admin_group))


async def build_runtime(settings: Settings) -> Runtime:
    store = await open_store(settings.store_url)
    services = build_services(settings, store)
    handler = CollegeBot(services, StoreBackedStorage(store), build_dialogs(services))
    adapter = EdgeAdapter(settings)
    services.messenger = BotMessenger(adapter, store, settings.app_id)
    return Runtime(services=services, bot=handler, adapter=adapter)
