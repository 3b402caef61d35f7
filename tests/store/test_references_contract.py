"""Contract of ``ConversationReferences``: every backend that provides it must pass these tests."""

from __future__ import annotations

import pytest

from bot.store import ConversationReferences

pytestmark = pytest.mark.asyncio

CONCERN = ConversationReferences


async def test_conversation_references(store: ConversationReferences) -> None:
    assert await store.get_conversation_reference("c1") is None
    assert await store.list_conversation_references() == {}

    assert await store.save_conversation_reference("c1", {"conversation": {"id": "c1"}, "v": 1}) is True
    assert await store.save_conversation_reference("c1", {"conversation": {"id": "c1"}, "v": 2}) is False
    assert await store.save_conversation_reference("c2", {"conversation": {"id": "c2"}}) is True

    assert await store.get_conversation_reference("c1") == {"conversation": {"id": "c1"}, "v": 2}
    assert await store.list_conversation_references() == {
        "c1": {"conversation": {"id": "c1"}, "v": 2},
        "c2": {"conversation": {"id": "c2"}},
    }

    assert await store.delete_conversation_reference("c1") is True
    assert await store.delete_conversation_reference("c1") is False
    assert await store.get_conversation_reference("c1") is None
    assert list(await store.list_conversation_references()) == ["c2"]
    assert await store.save_conversation_reference("c1", {"conversation": {"id": "c1"}}) is True  # new again


async def test_references_survive_reopen(reopen) -> None:
    async with reopen() as first:
        await first.save_conversation_reference("c1", {"id": "c1"})

    async with reopen() as second:
        assert await second.get_conversation_reference("c1") == {"id": "c1"}
