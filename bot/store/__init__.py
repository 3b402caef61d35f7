"""Persistence for College Bot: the store concerns (one Protocol each), ``Store``, and ``open_store``."""

from __future__ import annotations

from bot.store.audit import AuditEntry, AuditTrail
from bot.store.base import Store
from bot.store.dedup import ActivityDedup
from bot.store.lifecycle import StoreClosed, StoreLifecycle
from bot.store.references import ConversationReferences
from bot.store.state import ETagConflict, StateItem, VersionedState
from bot.store.tokens import ConfirmationToken, SingleUseTokens

__all__ = [
    "SUPPORTED_SCHEMES",
    "ActivityDedup",
    "AuditEntry",
    "AuditTrail",
    "ConfirmationToken",
    "ConversationReferences",
    "ETagConflict",
    "SingleUseTokens",
    "StateItem",
    "Store",
    "StoreClosed",
    "StoreLifecycle",
    "VersionedState",
    "open_store",
]

SUPPORTED_SCHEMES = ("sqlite",)


async def open_store(url: str) -> Store:
    """Open the store named by ``url``, choosing the implementation by its scheme.

    Supported: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``,
    ``sqlite:///:memory:``. Any other scheme raises ``ValueError``. Only the scheme is ever echoed
    in errors, since store URLs may carry credentials.
    """
    scheme, sep, _ = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SUPPORTED_SCHEMES:
        supported = ", ".join(f"{name}://" for name in SUPPORTED_SCHEMES)
        shown = f"{scheme!r}" if sep else "none"
        raise ValueError(f"unsupported store URL scheme {shown}; supported schemes: {supported}")
    # Imported lazily: only the chosen backend is loaded.
    from bot.store.sqlite import SqliteStore

    return await SqliteStore.open(url)
