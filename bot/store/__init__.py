"""Persistence for College Bot: the store concerns (one Protocol each), ``Store``, and ``open_store``."""

from __future__ import annotations

from bot.store.audit import AuditEntry, AuditTrail
from bot.store.base import Store
from bot.store.dedup import ActivityDedup
from bot.store.journal import DuplicateIntent, RecordedWork, UnknownIntent, WorkIntent, WorkJournal, WorkOutcome
from bot.store.leases import Leases
from bot.store.lifecycle import StoreClosed, StoreLifecycle
from bot.store.model_checks import ModelCheck, ModelCheckResults
from bot.store.references import ConversationReferences
from bot.store.schedules import DigestSchedule, DigestSchedules
from bot.store.state import ETagConflict, StateItem, VersionedState
from bot.store.subscriptions import HookSubscription, HookSubscriptions
from bot.store.tokens import ConfirmationToken, SingleUseTokens
from bot.store.url import SCHEMES, UnsupportedStoreUrl, check_store_url, open_store

__all__ = [
    "SUPPORTED_SCHEMES",
    "ActivityDedup",
    "AuditEntry",
    "AuditTrail",
    "ConfirmationToken",
    "ConversationReferences",
    "DigestSchedule",
    "DigestSchedules",
    "DuplicateIntent",
    "ETagConflict",
    "HookSubscription",
    "HookSubscriptions",
    "Leases",
    "ModelCheck",
    "ModelCheckResults",
    "RecordedWork",
    "SingleUseTokens",
    "StateItem",
    "Store",
    "StoreClosed",
    "StoreLifecycle",
    "UnknownIntent",
    "UnsupportedStoreUrl",
    "VersionedState",
    "WorkIntent",
    "WorkJournal",
    "WorkOutcome",
    "check_store_url",
    "open_store",
]

SUPPORTED_SCHEMES = tuple(scheme.name for scheme in SCHEMES)
