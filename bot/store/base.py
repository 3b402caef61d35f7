"""The Store: everything the bot keeps between turns, as one object made of small concerns.

Each concern is its own Protocol in its own module, so a backend can provide them one at a time:

* ``VersionedState`` (bot/store/state.py): botbuilder state with eTags;
* ``ConversationReferences`` (bot/store/references.py): where to send proactive messages;
* ``AuditTrail`` (bot/store/audit.py): the append-only audit trail;
* ``SingleUseTokens`` (bot/store/tokens.py): expiring confirmation tokens, usable once;
* ``ActivityDedup`` (bot/store/dedup.py): retried activities are seen once;
* ``WorkJournal`` (bot/store/journal.py): confirmed work's intent before it starts, its outcome after;
* ``HookSubscriptions`` (bot/store/subscriptions.py): service hook subscriptions of conversations;
* ``DigestSchedules`` (bot/store/schedules.py): digest schedules, each due time claimed once;
* ``Leases`` (bot/store/leases.py): one holder at a time for named work, taken over after expiry;
* ``StoreLifecycle`` (bot/store/lifecycle.py): ``ping`` and ``close``, provided by every backend.

Code that needs one concern takes that Protocol; ``Store`` is all of them together.
Implementations: ``bot.store.sqlite.SqliteStore`` (embedded default, every concern) and
``bot.store.azblob.AzureBlobStore`` (Azure Blob Storage, for several instances; every concern). Each concern's
contract tests live in tests/store/test_<concern>_contract.py and run against every backend that
provides it. All methods are async and never block the event loop; all datetimes are
timezone-aware (stores return them in UTC and refuse naive ones with ``ValueError``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.store.audit import AuditTrail
from bot.store.dedup import ActivityDedup
from bot.store.journal import WorkJournal
from bot.store.leases import Leases
from bot.store.lifecycle import StoreLifecycle
from bot.store.model_checks import ModelCheckResults
from bot.store.references import ConversationReferences
from bot.store.schedules import DigestSchedules
from bot.store.state import VersionedState
from bot.store.subscriptions import HookSubscriptions
from bot.store.tokens import SingleUseTokens

__all__ = ["Store"]


@runtime_checkable
class Store(
    VersionedState,
    ConversationReferences,
    AuditTrail,
    SingleUseTokens,
    ActivityDedup,
    WorkJournal,
    ModelCheckResults,
    HookSubscriptions,
    DigestSchedules,
    Leases,
    StoreLifecycle,
    Protocol,
):
    """Every store concern in one object (what ``open_store`` returns)."""
