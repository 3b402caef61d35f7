"""Several bot instances on one Blob container: two ``AzureBlobStore`` objects (each its own client) race for the
same things, and the storage service's conditional writes give each "once" to exactly one of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from bot.store import (
    AuditEntry,
    ConfirmationToken,
    DigestSchedule,
    ETagConflict,
    Store,
    WorkIntent,
    WorkOutcome,
    open_store,
)
from tests.store.conftest import azblob_url

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def two(tmp_path, request) -> AsyncIterator[tuple[Store, Store]]:
    url = azblob_url(tmp_path, request)
    first = await open_store(url)
    second = await open_store(url)
    try:
        yield first, second
    finally:
        await asyncio.gather(first.close(), second.close())


async def test_a_confirmation_is_taken_once(two) -> None:
    a, b = two
    await a.put_confirmation(ConfirmationToken("tok", "repo.delete", "oid", {"repo": "x"}, NOW + timedelta(minutes=5)))
    with pytest.raises(ValueError):
        await b.put_confirmation(ConfirmationToken("tok", "repo.delete", "oid", {}, None))

    taken = await asyncio.gather(*(store.take_confirmation("tok", NOW) for store in (a, b) * 5))

    assert sum(token is not None for token in taken) == 1
    assert await a.peek_confirmation("tok", NOW) is None and await b.peek_confirmation("tok", NOW) is None


async def test_a_due_time_is_claimed_once(two) -> None:
    a, b = two
    await a.put_schedule(DigestSchedule("c1", "daily", "08:00", "Europe/Berlin", "oid", NOW - timedelta(days=1)))
    for day in range(3):
        due = NOW + timedelta(days=day)
        claimed = await asyncio.gather(*(store.claim_digest("c1", due) for store in (a, b) * 3))
        assert claimed.count(True) == 1
    assert (await b.get_schedule("c1")).last_due == NOW + timedelta(days=2)
    await b.put_schedule(DigestSchedule("c1", "daily", "09:00", "UTC", "oid", NOW))  # replaced by the other one
    assert (await a.get_schedule("c1")).last_due == NOW + timedelta(days=2)  # its claimed due time stays
    assert [s.at for s in await a.list_schedules()] == ["09:00"]


async def test_a_state_write_with_a_stale_etag_is_refused(two) -> None:
    a, b = two
    first = await a.write_state({"conv": ({"turn": 1}, None)})
    seen_by_b = (await b.read_state(["conv"]))["conv"]
    assert seen_by_b.etag == first["conv"]
    await a.write_state({"conv": ({"turn": 2}, first["conv"])})

    with pytest.raises(ETagConflict):
        await b.write_state({"conv": ({"turn": "b"}, seen_by_b.etag)})

    assert (await b.read_state(["conv"]))["conv"].value == {"turn": 2}
    current = (await a.read_state(["conv"]))["conv"].etag
    results = await asyncio.gather(*(store.write_state({"conv": ({"by": n}, current)})
                                     for n, store in enumerate((a, b) * 4)), return_exceptions=True)
    assert sum(isinstance(result, dict) for result in results) == 1
    assert all(isinstance(result, ETagConflict) for result in results if not isinstance(result, dict))


async def test_a_batch_that_loses_a_race_midway_puts_back_what_it_wrote(two, monkeypatch) -> None:
    a, b = two
    etags = await a.write_state({"k1": ({"v": 1}, None), "k2": ({"v": 1}, None)})
    replace = a._replace

    async def other_instance_first(name, doc, etag, metadata=None):
        if name.endswith("k2"):  # after the batch's checks and its write of k1: b changes k2
            await b.write_state({"k2": ({"v": "b"}, None)})
        return await replace(name, doc, etag, metadata)

    monkeypatch.setattr(a, "_replace", other_instance_first)
    with pytest.raises(ETagConflict):
        await a.write_state({"k1": ({"v": 2}, etags["k1"]), "k2": ({"v": 2}, etags["k2"]), "k3": ({"v": 2}, None)})

    items = await b.read_state(["k1", "k2", "k3"])
    assert items["k1"].value == {"v": 1} and items["k2"].value == {"v": "b"} and "k3" not in items


async def test_a_lease_is_held_by_one_and_taken_over_after_expiry(two) -> None:
    a, b = two
    ttl = timedelta(seconds=30)
    won = await asyncio.gather(a.acquire_lease("digests", "instance-a", ttl, NOW),
                               b.acquire_lease("digests", "instance-b", ttl, NOW))
    assert won.count(True) == 1
    holder, other = ((a, "instance-a"), (b, "instance-b")) if won[0] else ((b, "instance-b"), (a, "instance-a"))
    assert await holder[0].renew_lease("digests", holder[1], ttl, NOW + timedelta(seconds=20)) is True  # to 50 s
    assert await other[0].acquire_lease("digests", other[1], ttl, NOW + timedelta(seconds=49)) is False

    later = NOW + timedelta(seconds=50)  # the holder stopped renewing (it died): the other takes over
    assert await other[0].acquire_lease("digests", other[1], ttl, later) is True
    assert await holder[0].renew_lease("digests", holder[1], ttl, later) is False
    assert await holder[0].lease_holder("digests", later) == other[1]


async def test_activities_intents_and_outcomes_are_each_recorded_once(two) -> None:
    a, b = two
    sightings = await asyncio.gather(*(store.first_sighting("activity-1", NOW) for store in (a, b) * 4))
    assert sightings.count(True) == 1

    intent = WorkIntent("work-1", "repo.create", "oid", "c1", "card", NOW, {"name": "x"})
    recorded = await asyncio.gather(a.record_intent(intent), b.record_intent(intent), return_exceptions=True)
    assert recorded.count(None) == 1
    ended = await asyncio.gather(*(store.record_outcome("work-1", WorkOutcome(f"ok-{n}", NOW))
                                   for n, store in enumerate((a, b) * 3)))
    assert ended.count(True) == 1
    assert await a.unfinished_intents() == [] and await b.unfinished_intents() == []


async def test_audit_entries_from_two_instances_keep_one_order(two) -> None:
    a, b = two
    entries = await asyncio.gather(*(store.append_audit(AuditEntry("oid", "Ada", f"action.{n}", "", "c1", "ok"))
                                     for n, store in enumerate((a, b) * 5)))
    seqs = sorted(entry.seq for entry in entries)
    assert seqs == list(range(1, 11))
    latest = await b.latest_audit(10)
    assert [entry.seq for entry in latest] == seqs[::-1]
    assert [entry.action for entry in latest] == [e.action for e in sorted(entries, key=lambda e: -e.seq)]


async def test_a_write_whose_answer_was_lost_is_not_mistaken_for_a_lost_race(two, monkeypatch) -> None:
    """The SDK retries a write whose answer was lost; the retry then meets the first attempt's blob (409/412)."""
    from azure.core.exceptions import ResourceExistsError, ResourceModifiedError

    a, b = two
    await a.put_confirmation(ConfirmationToken("tok", "repo.delete", "oid", {}, None))
    blob_client = a._blob

    class AnswerLost:
        def __init__(self, name: str) -> None:
            self._client = blob_client(name)

        async def upload_blob(self, data, overwrite=False, **options):
            await self._client.upload_blob(data, overwrite=overwrite, **options)  # done, but the answer is lost
            raise ResourceModifiedError("condition not met") if overwrite else ResourceExistsError("exists")

    monkeypatch.setattr(a, "_blob", AnswerLost)
    assert await a.first_sighting("activity-1", NOW) is True
    assert await a.take_confirmation("tok", NOW) is not None
    await a.put_confirmation(ConfirmationToken("tok-2", "repo.delete", "oid", {}, None))
    assert await a.claim_digest("nothing", NOW) is False

    assert await b.first_sighting("activity-1", NOW) is False  # and for everyone else, it happened once
    assert await b.take_confirmation("tok", NOW) is None
    assert await b.peek_confirmation("tok-2", NOW) is not None


async def test_old_activity_keys_and_expired_tokens_are_pruned_now_and_then(two) -> None:
    a, b = two
    assert await a.first_sighting("old", NOW) is True
    await a.put_confirmation(ConfirmationToken("expired", "repo.delete", "oid", {}, NOW))
    await a.put_confirmation(ConfirmationToken("forever", "repo.delete", "oid", {}, None))
    later = NOW + timedelta(hours=24, seconds=1)
    assert await a.first_sighting("recent", later - timedelta(hours=1)) is True
    await a.put_confirmation(ConfirmationToken("live", "repo.delete", "oid", {}, later + timedelta(minutes=5)))

    assert await b.prune_expired(later) == 2  # "old" and "expired"

    assert await a.first_sighting("recent", later) is False
    assert await a.peek_confirmation("forever", later) is not None and await a.peek_confirmation("live", later)
    assert [name for name, *_ in await a._names("tokens/")] == ["tokens/forever", "tokens/live"]
    assert await a.first_sighting("old", later) is True  # forgotten, so new again
    assert await a.prune_expired(later) == 0

    a._next_prune = 0  # what happens by itself an hour after the last time
    assert await a.first_sighting("newer", later + timedelta(hours=24)) is True
    await a._pruning
    assert [name for name, *_ in await a._names("seen/")] == ["seen/newer"]


async def test_instances_starting_together_make_the_container_once(tmp_path, request) -> None:
    url = azblob_url(tmp_path, request)
    stores = await asyncio.gather(*(open_store(url) for _ in range(3)))
    try:
        await asyncio.gather(*(store.ping() for store in stores))
        assert await stores[0].save_conversation_reference("c1", {"id": "c1"}) is True
        assert await stores[2].get_conversation_reference("c1") == {"id": "c1"}
    finally:
        await asyncio.gather(*(store.close() for store in stores))
