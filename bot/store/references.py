"""Conversation references: how to reach a conversation again, for messages the bot sends on its own."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ConversationReferences(Protocol):
    """Serialized botbuilder ``ConversationReference``s (JSON objects) by conversation key."""

    async def save_conversation_reference(self, key: str, reference: dict[str, Any]) -> bool:
        """Stores or replaces; returns True when the key was new."""
        ...

    async def get_conversation_reference(self, key: str) -> dict[str, Any] | None:
        """The stored reference, or None for a conversation never saved (or forgotten)."""
        ...

    async def delete_conversation_reference(self, key: str) -> bool:
        """Forgets a conversation (the bot was uninstalled there); True when it was known."""
        ...

    async def list_conversation_references(self) -> dict[str, dict[str, Any]]:
        """Every stored reference by key, in key order."""
        ...
