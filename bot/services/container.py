"""Everything a handler may use, built once at start-up and handed to each turn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.audit import AuditLog
from bot.background import Background
from bot.policy import Policy
from bot.router import Registry
from bot.settings import Settings
from bot.store import Store
from bot.turn import Messenger

if TYPE_CHECKING:
    from bot.services.devops import DevOpsClient


def utc_now() -> datetime:
    return datetime.now(UTC)


ReadinessCheck = Callable[[], Awaitable[None]]


@dataclass
class Services:
    settings: Settings
    store: Store
    policy: Policy
    audit: AuditLog
    registry: Registry
    messenger: Messenger | None = None  # set once the adapter exists
    # Azure DevOps (bot.services.devops); None when AZURE_DEVOPS_ORG_URL is unset: use devops.require(services)
    devops: DevOpsClient | None = None
    background: Background = field(default_factory=Background)
    bot_name: str = "College Bot"
    clock: Callable[[], datetime] = utc_now
    # name -> check that raises when the dependency cannot serve (for /readyz)
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)
