"""Contract of ``HookSubscriptions``: every backend that provides it must pass these tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import HookSubscription, HookSubscriptions

pytestmark = pytest.mark.asyncio

CONCERN = HookSubscriptions

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def subscription(id_: str, conversation: str = "c1", at: datetime = NOW, **more) -> HookSubscription:
    fields = {"kind": "approvals", "definition": "", "stage": "", "failures_only": False,
              "devops_ids": ("d-1", "d-2"), "secret_hash": "ab" * 32, "created_by": "oid-alice"}
    fields.update(more)
    return HookSubscription(id=id_, conversation_id=conversation, created_at=at, **fields)


async def test_add_get_list_delete(store: HookSubscriptions) -> None:
    assert await store.get_hook_subscription("s1") is None
    assert await store.list_hook_subscriptions("c1") == []

    first = subscription("s1", kind="deployments", definition="TinyYOLO to IoT Edge", stage="Prod",
                         failures_only=True, devops_ids=("d-9",))
    await store.add_hook_subscription(first)
    await store.add_hook_subscription(subscription("s2", at=NOW + timedelta(seconds=1)))
    await store.add_hook_subscription(subscription("s3", conversation="c2"))

    assert await store.get_hook_subscription("s1") == first
    assert [s.id for s in await store.list_hook_subscriptions("c1")] == ["s1", "s2"]  # oldest first
    assert [s.id for s in await store.list_hook_subscriptions("c2")] == ["s3"]

    assert await store.delete_hook_subscription("s1") is True
    assert await store.delete_hook_subscription("s1") is False
    assert await store.get_hook_subscription("s1") is None
    assert [s.id for s in await store.list_hook_subscriptions("c1")] == ["s2"]


async def test_an_id_is_stored_once(store: HookSubscriptions) -> None:
    await store.add_hook_subscription(subscription("s1"))
    with pytest.raises(ValueError):
        await store.add_hook_subscription(dataclasses.replace(subscription("s1"), kind="builds"))
    stored = await store.get_hook_subscription("s1")
    assert stored is not None and stored.kind == "approvals"


async def test_times_come_back_in_utc_and_naive_ones_are_refused(store: HookSubscriptions) -> None:
    from zoneinfo import ZoneInfo

    await store.add_hook_subscription(subscription("s1", at=NOW.astimezone(ZoneInfo("Europe/Berlin"))))
    stored = await store.get_hook_subscription("s1")
    assert stored is not None and stored.created_at == NOW and stored.created_at.tzinfo == UTC
    with pytest.raises(ValueError):
        await store.add_hook_subscription(subscription("s2", at=datetime(2025, 1, 1)))


async def test_subscriptions_survive_reopen(reopen) -> None:
    async with reopen() as first:
        await first.add_hook_subscription(subscription("s1"))

    async with reopen() as second:
        assert [s.id for s in await second.list_hook_subscriptions("c1")] == ["s1"]


async def test_a_conversations_subscriptions_are_paused_and_resumed_together(store: HookSubscriptions) -> None:
    await store.add_hook_subscription(subscription("s1"))
    await store.add_hook_subscription(subscription("s2", at=NOW + timedelta(seconds=1)))
    await store.add_hook_subscription(subscription("s3", conversation="c2"))
    with pytest.raises(ValueError):
        await store.pause_hook_subscriptions("c1", "")
    assert await store.pause_hook_subscriptions("c1", "the bot was removed (403)") == 2
    assert await store.pause_hook_subscriptions("c1", "again") == 0  # paused already: the first reason stays
    assert [s.paused for s in await store.list_hook_subscriptions("c1")] == ["the bot was removed (403)"] * 2
    assert (await store.get_hook_subscription("s3")).paused == ""  # another conversation is not touched
    assert await store.resume_hook_subscriptions("c1") == 2
    assert [s.paused for s in await store.list_hook_subscriptions("c1")] == ["", ""]
