"""Keyed bot state with optimistic concurrency (eTags): the store behind botbuilder's Storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


class ETagConflict(Exception):
    """A write carried an eTag that is no longer the stored one (optimistic concurrency).

    Also raised by ``bot.store.bot_state.StoreBackedStorage.write`` for a stale botbuilder ``e_tag``.
    """


@dataclass(frozen=True)
class StateItem:
    """One stored state value and its current eTag."""

    value: dict[str, Any]  # JSON-compatible; a fresh copy on every read
    etag: str  # opaque; changes on every write


@runtime_checkable
class VersionedState(Protocol):
    """botbuilder conversation/user state: JSON values by key, with real optimistic concurrency."""

    async def read_state(self, keys: list[str]) -> dict[str, StateItem]:
        """The items of the keys that exist (fresh copies); missing keys are left out."""
        ...

    async def write_state(self, changes: dict[str, tuple[dict[str, Any], str | None]]) -> dict[str, str]:
        """Write each key. The tuple's second element is the expected eTag: None or "*" writes
        unconditionally; any other value must equal the stored eTag (or ETagConflict is raised and
        nothing in the batch is written; a key that does not exist has no eTag to match). Values must
        be JSON-compatible. Returns the new eTags (opaque strings, new on every write)."""
        ...

    async def delete_state(self, keys: list[str]) -> None:
        """Removes the keys; missing keys are ignored."""
        ...
