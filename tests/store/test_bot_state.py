"""botbuilder state (ConversationState, dialogs) persisted through StoreBackedStorage."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from botbuilder.core import ConversationState, MessageFactory, StoreItem, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import (
    DialogSet,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.choices import ListStyle
from botbuilder.dialogs.prompts import PromptOptions, TextPrompt
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector import Channels

from bot.store import ETagConflict, VersionedState
from bot.store.bot_state import StoreBackedStorage
from bot.store.state_codec import StateCodecError, register_state_type

pytestmark = pytest.mark.asyncio

CONCERN = VersionedState

# ConversationState's key for TestAdapter's conversation, built the way botbuilder builds it
CONVERSATION_KEY = "%s/conversations/%s" % (Channels.test, "Convo1")  # noqa: UP031


def _message(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text)


def _counting_bot(store: VersionedState) -> Callable[[TurnContext], Awaitable[None]]:
    """A bot that counts messages per conversation; every turn builds its state objects afresh."""

    async def logic(turn: TurnContext) -> None:
        state = ConversationState(StoreBackedStorage(store))
        count = state.create_property("count")
        value = await count.get(turn, lambda: 0) + 1
        await count.set(turn, value)
        await turn.send_activity(str(value))
        await state.save_changes(turn)

    return logic


async def test_conversation_state_survives_across_turns(store: VersionedState) -> None:
    adapter = TestAdapter(_counting_bot(store))

    await adapter.test("hi", "1")
    await adapter.test("hi", "2")
    await TestAdapter(_counting_bot(store)).test("hi", "3")  # a new adapter: only the store remembers

    item = (await store.read_state([CONVERSATION_KEY]))[CONVERSATION_KEY]
    assert item.value == {"count": 3}  # the eTag lives beside the value, not in it


async def test_concurrent_turns_second_save_with_stale_etag_fails(store: VersionedState) -> None:
    adapter = TestAdapter(_counting_bot(store))
    await adapter.test("hi", "1")  # the conversation state now exists, with an eTag
    both_loaded = asyncio.Barrier(2)
    first_saved = asyncio.Event()

    def turn(name: str, save_first: bool) -> Callable[[TurnContext], Awaitable[None]]:
        async def logic(context: TurnContext) -> None:
            state = ConversationState(StoreBackedStorage(store))
            await state.load(context)
            await state.create_property("last").set(context, name)
            await both_loaded.wait()
            if not save_first:
                await first_saved.wait()
            try:
                await state.save_changes(context)
            finally:
                first_saved.set()

        return logic

    results = await asyncio.gather(
        adapter.process_activity(_message("a"), turn("a", save_first=True)),
        adapter.process_activity(_message("b"), turn("b", save_first=False)),
        return_exceptions=True,
    )

    assert results[0] is None
    assert isinstance(results[1], ETagConflict)
    [item] = (await store.read_state([CONVERSATION_KEY])).values()
    assert item.value == {"count": 1, "last": "a"}


async def test_saving_twice_in_one_turn_does_not_conflict_with_itself(store: VersionedState) -> None:
    async def logic(turn: TurnContext) -> None:
        state = ConversationState(StoreBackedStorage(store))
        await state.create_property("step").set(turn, 1)
        await state.save_changes(turn)
        await state.create_property("step").set(turn, 2)
        await state.save_changes(turn)
        await turn.send_activity("saved")

    adapter = TestAdapter(logic)
    await adapter.test("hi", "saved")
    await adapter.test("hi", "saved")

    [item] = (await store.read_state([CONVERSATION_KEY])).values()
    assert item.value == {"step": 2}


async def test_waterfall_dialog_with_prompt_resumes_from_the_store(store: VersionedState) -> None:
    async def ask_name(step: WaterfallStepContext):
        return await step.prompt(
            "name", PromptOptions(prompt=MessageFactory.text("What's your name?"), style=ListStyle.none)
        )

    async def greet(step: WaterfallStepContext):
        await step.context.send_activity(f"Hello {step.result}")
        return await step.end_dialog()

    async def logic(turn: TurnContext) -> None:
        state = ConversationState(StoreBackedStorage(store))
        dialogs = DialogSet(state.create_property("dialog_state"))
        dialogs.add(TextPrompt("name"))
        dialogs.add(WaterfallDialog("main", [ask_name, greet]))
        dialog_context = await dialogs.create_context(turn)
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dialog_context.begin_dialog("main")
        await state.save_changes(turn)

    adapter = TestAdapter(logic)
    await adapter.test("hi", "What's your name?")
    await adapter.test("Ada", "Hello Ada")


# ---- Storage semantics --------------------------------------------------------------------------


async def test_read_returns_fresh_copies_with_current_etag(store: VersionedState) -> None:
    storage = StoreBackedStorage(store)
    change = {"items": [1], "when": datetime(2025, 1, 1, tzinfo=UTC), "pair": (1, "x")}
    await storage.write({"k": change})

    first = (await storage.read(["k"]))["k"]
    first["items"].append(2)
    second = await storage.read(["k", "missing"])

    assert list(second) == ["k"]
    assert second["k"]["items"] == [1]
    assert second["k"]["when"] == change["when"] and second["k"]["pair"] == (1, "x")
    assert second["k"]["e_tag"] == change["e_tag"] == (await store.read_state(["k"]))["k"].etag


async def test_store_items_round_trip_and_stale_etag_raises(store: VersionedState) -> None:
    storage = StoreBackedStorage(store)
    await storage.write({"k": StoreItem(counter=1)})
    loaded = (await storage.read(["k"]))["k"]
    stale = (await storage.read(["k"]))["k"]
    assert isinstance(loaded, StoreItem) and loaded.counter == 1 and loaded.e_tag

    loaded.counter = 2
    await storage.write({"k": loaded})
    stale.counter = 3
    with pytest.raises(ETagConflict):
        await storage.write({"k": stale})

    stale.e_tag = "*"
    await storage.write({"k": stale})
    assert (await storage.read(["k"]))["k"].counter == 3


async def test_stale_item_blocks_the_whole_batch(store: VersionedState) -> None:
    storage = StoreBackedStorage(store)
    await storage.write({"a": {"v": 1}, "b": {"v": 1}})
    a, b = (await storage.read(["a"]))["a"], (await storage.read(["b"]))["b"]
    await storage.write({"b": {"v": 2, "e_tag": b["e_tag"]}})

    with pytest.raises(ETagConflict):
        await storage.write({"a": {"v": 9, "e_tag": a["e_tag"]}, "b": {"v": 9, "e_tag": b["e_tag"]}})

    assert (await storage.read(["a"]))["a"]["v"] == 1


async def test_empty_etag_is_refused(store: VersionedState) -> None:
    with pytest.raises(ValueError):
        await StoreBackedStorage(store).write({"k": {"v": 1, "e_tag": ""}})


async def test_delete(store: VersionedState) -> None:
    storage = StoreBackedStorage(store)
    await storage.write({"a": {"v": 1}})

    await storage.delete(["a", "missing"])

    assert await storage.read(["a"]) == {}


class _Unregistered:
    def __init__(self) -> None:
        self.value = 1


@register_state_type
class _Registered:
    def __init__(self, value: int) -> None:
        self.value = value


async def test_only_allowed_classes_are_stored(store: VersionedState) -> None:
    storage = StoreBackedStorage(store)

    with pytest.raises(StateCodecError):
        await storage.write({"k": {"obj": _Unregistered()}})
    await storage.write({"k": {"obj": _Registered(5), "$type": "user data"}})

    loaded = (await storage.read(["k"]))["k"]
    assert isinstance(loaded["obj"], _Registered) and loaded["obj"].value == 5
    assert loaded["$type"] == "user data"


async def test_tampered_data_cannot_name_arbitrary_classes(store: VersionedState) -> None:
    await store.write_state({"k": ({"x": {"$type": "object", "class": "os:system", "attrs": {}}}, None)})

    with pytest.raises(StateCodecError):
        await StoreBackedStorage(store).read(["k"])
