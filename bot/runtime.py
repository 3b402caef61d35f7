"""Builds the running bot from settings: store, policy, backends, the botbuilder adapter and handler."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bot.commands
import bot.services.registered  # noqa: F401  (registers every backend)
from bot.audit import AuditLog
from bot.backends import registered
from bot.container import Services
from bot.http_edge import EdgeAdapter
from bot.pending_secrets import secret_keeper
from bot.policy import ConfiguredAdmins, Policy
from bot.proactive import BotMessenger
from bot.proactive_delivery import proactive_delivery
from bot.resume import ResumeScan
from bot.router import REGISTRY
from bot.scheduler import DigestScheduler
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
    scheduler: DigestScheduler | None = None  # scheduled digests (bot/scheduler.py)
    resume: ResumeScan | None = None  # interrupted work, looked for now and then (bot/resume.py)

    async def close(self) -> None:
        if self.resume is not None:
            await self.resume.close()
        if self.scheduler is not None:
            await self.scheduler.close()
        await self.services.background.close()
        await self.services.isolation.close()
        await self.services.backends.close()
        await self.services.store.close()


def build_services(settings: Settings, store: Store) -> Services:
    services = Services(
        settings=settings,
        store=store,
        policy=Policy([ConfiguredAdmins(settings.bot_admins)]),
        audit=AuditLog(store),
        registry=REGISTRY,
        secrets=secret_keeper(settings.pending_secrets_keys),
    )
    services.readiness["store"] = store.ping
    for backend in registered():
        if not backend.configured(settings):
            continue
        client = backend.connect(settings)  # no network call at start-up
        services.backends.add(backend, client)
        services.readiness[backend.name] = backend.readiness(client)
        for source in backend.role_sources(client, settings):
            services.policy.add_source(source)
    return services


async def build_runtime(settings: Settings) -> Runtime:
    store = await open_store(settings.store_url, settings.azure_storage_connection_string.get_secret_value())
    if settings.store_url.startswith("azblob:") and not settings.pending_secrets_keys:
        log.warning("PENDING_SECRETS_KEY is not set: an import's credentials wait for its Confirm click in this "
                    "instance's memory, so a Confirm that lands on another instance asks for the command again")
    services = build_services(settings, store)
    handler = CollegeBot(services, StoreBackedStorage(store), build_dialogs(services))
    adapter = EdgeAdapter(settings)
    services.messenger = BotMessenger(adapter, store, settings.app_id)
    # confirmed work a crash interrupted, here or on another instance: checked, then finished or reported on its
    # card (bot/resume.py); at start and then every half lease
    resume = ResumeScan(services)
    resume.start()
    scheduler = DigestScheduler(services, proactive_delivery(services))
    scheduler.start()  # its first look at the schedules sends a digest missed while the bot was down (grace: 6 h)
    return Runtime(services=services, bot=handler, adapter=adapter, scheduler=scheduler, resume=resume)
