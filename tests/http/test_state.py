"""Conversation state in the store: a turn whose state was changed underneath it says so instead of failing."""

from __future__ import annotations

from app import RUNTIME
from bot.store import ETagConflict
from tests.harness.cards import card_texts


async def test_a_stale_state_write_answers_with_a_card(teams, monkeypatch):
    store = teams.http.app[RUNTIME].services.store

    async def conflicting_write(changes):
        raise ETagConflict("stale")

    monkeypatch.setattr(store, "write_state", conflicting_write)
    # every turn in a new conversation writes its (dialog) state after answering; that write conflicts here
    sent = await teams.say("cancel")
    texts = [" ".join(card_texts(s.card)) if s.cards else s.text for s in sent]
    assert texts == ["There is nothing to cancel.", texts[1]] and "Two messages crossed" in texts[1]
