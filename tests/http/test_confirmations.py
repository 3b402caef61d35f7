"""Confirmation cards over HTTP: only the requester confirms, the role is re-checked, tokens are single-use
and expire, Cancel works, and the card is updated in place with the outcome, who and when."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

import bot.commands  # noqa: F401
from app import RUNTIME
from bot.confirmations import ask_confirmation
from bot.pacing import Pacing
from bot.policy import Policy, Role
from bot.router import REGISTRY
from bot.turn import Reply
from cards import verbs
from cards.common import card, text
from tests.harness.cards import card_actions, card_texts

CALLS: list[dict] = []


@pytest.fixture(autouse=True)
def practice_operation():
    """Registers a harmless confirmable command for these tests, and removes it afterwards."""
    saved = (dict(REGISTRY._commands), dict(REGISTRY._by_word), dict(REGISTRY._operations))
    CALLS.clear()

    @REGISTRY.command("practice", area="Testing", role=Role.ADMIN)
    async def handle_practice(turn, args):
        """Asks to confirm a harmless practice operation."""
        return await ask_confirmation(turn, "practice.run", {"name": args.text}, title="Run the practice?",
                                      summary=[("Name", args.text)])

    @REGISTRY.operation("practice.run", role=Role.ADMIN, what="run the practice")
    async def run_practice(turn, data):
        """Runs the practice operation."""
        CALLS.append(data)
        return Reply(card=card([text(f"Practice {data['name']} done")]))

    yield
    REGISTRY._commands, REGISTRY._by_word, REGISTRY._operations = (dict(saved[0]), dict(saved[1]), dict(saved[2]))


async def ask(teams, who="alice"):
    sent = await teams.say("practice alpha", who=who)
    (message,) = sent
    buttons = {a["title"]: a for a in card_actions(message.card)}
    assert set(buttons) == {"Confirm", "Cancel"}
    assert buttons["Confirm"]["verb"] == verbs.CONFIRM and buttons["Cancel"]["verb"] == verbs.CANCEL
    return message, buttons


async def test_only_the_requester_confirms_and_the_card_shows_who_and_when(teams):
    message, buttons = await ask(teams)
    assert "Asked by Alice Admin" in " ".join(card_texts(message.card))

    status, card_for_bob = await teams.click_action(buttons["Confirm"], who="bob", card_id=message.activity_id)
    assert status == 200 and CALLS == []
    assert "only Alice Admin, who asked, can confirm" in " ".join(card_texts(card_for_bob))

    before = len(teams.connector.sent)
    status, done = await teams.click_action(buttons["Confirm"], card_id=message.activity_id)
    assert status == 200 and CALLS == [{"name": "alpha"}]
    done_text = " ".join(card_texts(done))
    assert "Practice alpha done" in done_text and "Confirmed by Alice Admin at" in done_text
    (update,) = teams.connector.sent[before:]
    assert update.kind == "update" and update.activity_id == message.activity_id and update.card == done

    status, again = await teams.click_action(buttons["Confirm"], card_id=message.activity_id)
    assert "already handled" in " ".join(card_texts(again)) and len(CALLS) == 1


async def test_role_is_rechecked_at_confirm_time(teams):
    message, buttons = await ask(teams)
    services = teams.http.app[RUNTIME].services
    services.policy = Policy([])  # Alice is no longer an admin
    _, result = await teams.click_action(buttons["Confirm"], card_id=message.activity_id)
    assert "Only the team's admins may" in " ".join(card_texts(result)) and CALLS == []
    entries = await services.audit.latest(5)
    assert any(e.action == "practice.run.confirm" and e.outcome == "refused" for e in entries)


async def test_tokens_expire_after_ten_minutes(teams):
    message, buttons = await ask(teams)
    services = teams.http.app[RUNTIME].services
    real_clock = services.clock
    services.clock = lambda: real_clock() + timedelta(minutes=10, seconds=1)
    _, result = await teams.click_action(buttons["Confirm"], card_id=message.activity_id)
    assert "expired" in " ".join(card_texts(result)) and CALLS == []


async def test_cancel_only_by_the_requester(teams):
    message, buttons = await ask(teams)
    _, refused = await teams.click_action(buttons["Cancel"], who="bob", card_id=message.activity_id)
    assert "only Alice Admin, who asked, can cancel" in " ".join(card_texts(refused))
    _, cancelled = await teams.click_action(buttons["Cancel"], card_id=message.activity_id)
    assert "Cancelled" in " ".join(card_texts(cancelled)) and "Alice Admin" in " ".join(card_texts(cancelled))
    _, late = await teams.click_action(buttons["Confirm"], card_id=message.activity_id)
    assert "already handled" in " ".join(card_texts(late)) and CALLS == []
    entries = await teams.http.app[RUNTIME].services.audit.latest(5)
    assert entries[0].action == "practice.run" and entries[0].outcome == "cancelled"


async def test_non_admin_is_refused_before_any_card(teams):
    text_ = " ".join(card_texts(await teams.ask("practice beta", who="bob")))
    assert "Only the team's admins" in text_ and CALLS == []


async def test_forged_token_is_refused(teams):
    status, result = await teams.click(verbs.CONFIRM, {"token": "forged"})
    assert status == 200 and "Nothing to confirm" in " ".join(card_texts(result))


async def test_slow_work_answers_at_once_then_updates_the_card(teams, monkeypatch):
    # any operation that awaits counts as slow here
    teams.http.app[RUNTIME].services.pacing = Pacing(confirmed_within_s=0, settle_s=0)
    spec = REGISTRY.operation_spec("practice.run")

    async def slow(turn, data):
        """Runs the practice operation, after a while."""
        await asyncio.sleep(0.01)
        return await spec.handler(turn, data)

    monkeypatch.setitem(REGISTRY._operations, "practice.run", replace(spec, handler=slow))
    message, buttons = await ask(teams)
    status, working = await teams.click_action(buttons["Confirm"], card_id=message.activity_id)
    assert status == 200 and "Working on it" in " ".join(card_texts(working))
    await teams.http.app[RUNTIME].services.background.wait_idle()
    assert CALLS == [{"name": "alpha"}]
    update = teams.connector.sent[-1]
    assert update.kind == "update" and update.activity_id == message.activity_id
    final = " ".join(card_texts(update.card))
    assert "Practice alpha done" in final and "Confirmed by Alice Admin" in final


async def test_slow_work_that_fails_unexpectedly_ends_with_the_apology(teams, monkeypatch, caplog):
    teams.http.app[RUNTIME].services.pacing = Pacing(confirmed_within_s=0, settle_s=0)
    spec = REGISTRY.operation_spec("practice.run")

    async def broken(turn, data):
        """Fails, after a while."""
        await asyncio.sleep(0.01)
        raise RuntimeError("a bug")

    monkeypatch.setitem(REGISTRY._operations, "practice.run", replace(spec, handler=broken))
    message, buttons = await ask(teams)
    await teams.click_action(buttons["Confirm"], card_id=message.activity_id)
    await teams.http.app[RUNTIME].services.background.wait_idle()
    update = teams.connector.sent[-1]
    assert update.kind == "update" and update.activity_id == message.activity_id
    text_ = " ".join(card_texts(update.card))
    assert "Sorry, something went wrong" in text_ and "a bug" not in text_
    (record,) = [r for r in caplog.records if "after its card was answered" in r.getMessage()]
    assert record.correlation_id and record.correlation_id in text_
