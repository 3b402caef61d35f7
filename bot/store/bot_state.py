"""``StoreBackedStorage``: a ``botbuilder.core.Storage`` over the store's ``VersionedState``.

botbuilder's ``ConversationState``/``UserState`` read a dict per scope, keep it for the turn, and
write it back with its ``"e_tag"`` key. This adapter gives that round trip real optimistic
concurrency:

* ``read`` returns fresh objects (decoded from JSON each time, never live references) whose
  ``e_tag`` (dict key or attribute) is the current stored eTag.
* ``write`` sends each change's ``e_tag`` as the expected eTag: missing/``None``/``"*"`` writes
  unconditionally, anything else must still be current or ``ETagConflict`` is raised and nothing
  of the batch is written. An empty ``e_tag`` is refused (as botbuilder's ``MemoryStorage`` does).
* After a successful write the change objects passed in get their ``e_tag`` set to the new eTag,
  so a turn that saves state twice does not conflict with itself.

Limitation (shared with botbuilder's Cosmos DB and Blob storages): state that did not exist when the
turn read it carries no ``e_tag``, so two turns that both create the same key race with
last-writer-wins. Conflicts are detected once the key exists.

Values are encoded with ``bot.store.state_codec`` (JSON plus an allow-list of classes, no pickle).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from botbuilder.core import Storage

from bot.store import state_codec
from bot.store.state import ETagConflict, VersionedState

logger = logging.getLogger(__name__)

E_TAG = "e_tag"
"""The key (or attribute) botbuilder uses for an item's eTag."""

__all__ = ["E_TAG", "ETagConflict", "StoreBackedStorage"]


class StoreBackedStorage(Storage):
    """botbuilder ``Storage`` persisting to a ``VersionedState``; stale writes raise ``ETagConflict``."""

    def __init__(self, store: VersionedState) -> None:
        self._store = store

    async def read(self, keys: Iterable[str]) -> dict[str, Any]:
        """Items for the keys that exist, as fresh objects carrying their current ``e_tag``."""
        keys = list(keys or [])
        if not keys:
            return {}
        items = await self._store.read_state(keys)
        return {key: _with_etag(state_codec.decode(item.value), item.etag) for key, item in items.items()}

    async def write(self, changes: dict[str, Any]) -> None:
        """Write all changes in one batch (all or nothing); raises ``ETagConflict`` on a stale ``e_tag``."""
        if changes is None:
            raise TypeError("StoreBackedStorage.write(): changes are required")
        if not changes:
            return
        batch = {key: (_encode_value(change), _expected_etag(key, change)) for key, change in changes.items()}
        try:
            new_etags = await self._store.write_state(batch)
        except ETagConflict:
            logger.info("bot state write refused (stale eTag) for keys %s", sorted(changes))
            raise
        for key, change in changes.items():
            _set_etag(change, new_etags[key])

    async def delete(self, keys: Iterable[str]) -> None:
        """Remove the items (missing keys are ignored)."""
        await self._store.delete_state(list(keys or []))


def _expected_etag(key: str, change: Any) -> str | None:
    etag = change.get(E_TAG) if isinstance(change, dict) else getattr(change, E_TAG, None)
    if etag == "":
        raise ValueError(f"StoreBackedStorage.write(): empty e_tag for {key!r} (use '*' to overwrite)")
    return etag


def _encode_value(change: Any) -> dict[str, Any]:
    """Encode a change without its eTag; the Store keeps eTags itself."""
    if isinstance(change, dict):
        return state_codec.encode({k: v for k, v in change.items() if k != E_TAG})
    encoded = state_codec.encode(change)
    if not isinstance(encoded, dict) or encoded.get(state_codec.TYPE_KEY) != "object":
        raise state_codec.StateCodecError(f"bot state items must be dicts or objects, not {type(change).__name__}")
    encoded["attrs"].pop(E_TAG, None)
    return encoded


def _with_etag(value: Any, etag: str) -> Any:
    _set_etag(value, etag)
    return value


def _set_etag(item: Any, etag: str) -> None:
    if isinstance(item, dict):
        item[E_TAG] = etag
    else:
        setattr(item, E_TAG, etag)
