"""Service hook subscriptions: which Azure DevOps events a conversation asked to hear about (``subscribe``), the
Azure DevOps subscriptions that deliver them to the bot, and the hash of the secret those deliveries carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class HookSubscription:
    """One ``subscribe`` of a conversation. ``id`` is the bot's own (random; the user name deliveries carry),
    ``devops_ids`` the Azure DevOps subscriptions made for it (approvals: classic and YAML), ``secret_hash`` the
    SHA-256 (hex) of the random secret Azure DevOps sends as the basic-auth password; the secret itself is never
    stored."""

    id: str
    conversation_id: str
    kind: str  # approvals | deployments | builds
    definition: str  # "" = every definition / pipeline
    stage: str  # "" = every stage
    failures_only: bool
    devops_ids: tuple[str, ...]
    secret_hash: str
    created_by: str  # Entra object id of the admin who subscribed
    created_at: datetime
    paused: str = ""  # why its events are not posted (the bot could not post in the conversation); "" = active


@runtime_checkable
class HookSubscriptions(Protocol):
    """The conversations' service hook subscriptions, by the bot's id."""

    async def add_hook_subscription(self, subscription: HookSubscription) -> None:
        """Stores a new subscription; an id stored already raises ``ValueError`` (nothing is written)."""
        ...

    async def get_hook_subscription(self, subscription_id: str) -> HookSubscription | None:
        """The subscription, or None when there is none with that id (or it was removed)."""
        ...

    async def list_hook_subscriptions(self, conversation_id: str) -> list[HookSubscription]:
        """The conversation's subscriptions, oldest first (``unsubscribe <n>`` counts in this order)."""
        ...

    async def delete_hook_subscription(self, subscription_id: str) -> bool:
        """Forgets a subscription; True when it was stored."""
        ...

    async def pause_hook_subscriptions(self, conversation_id: str, reason: str) -> int:
        """Pauses the conversation's active subscriptions with ``reason`` (non-empty); how many were paused."""
        ...

    async def resume_hook_subscriptions(self, conversation_id: str) -> int:
        """Resumes the conversation's paused subscriptions; how many were resumed."""
        ...
