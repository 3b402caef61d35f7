"""A reply target that refuses, hangs, answers 4xx/5xx or answers with something that is not JSON never turns
a request into a 500, and never holds it open longer than the per-call time bound (bot/turn_clients.py)."""

from __future__ import annotations

import logging

import pytest

from bot import turn_clients
from cards import verbs
from tests.harness.cards import card_texts
from tests.harness.connector import closed_port_url
from tests.harness.teams import TeamsClient


@pytest.fixture(autouse=True)
def quick_give_up(monkeypatch):
    monkeypatch.setattr(turn_clients, "READ_TIMEOUT_S", 0.2)


def _install(teams: TeamsClient) -> dict:
    return teams.activity("installationUpdate", action="add")


@pytest.mark.parametrize("behaviour", ["not-json", "hang", "5xx", "5xx-html", "4xx"])
async def test_a_bad_reply_target_gets_a_handled_2xx(teams, behaviour):
    teams.connector.behaviour = behaviour
    for activity in (teams.activity("message", text="help"), teams.activity("message", text="whoami", at="group"),
                     _install(teams)):
        status, _ = await teams.post(activity)
        assert status == 201
    status, card = await teams.click(verbs.HELP_COMMAND, {"command": "whoami"})
    assert status == 200 and "whoami" in " ".join(card_texts(card))
    assert teams.connector.misbehaved >= 3 and teams.connector.sent == []


async def test_a_refusing_reply_target_gets_a_handled_2xx(make_bot, connector):
    teams = await make_bot()
    dead = TeamsClient(teams.http, connector, closed_port_url())
    for activity in (dead.activity("message", text="whoami"), _install(dead)):
        status, _ = await dead.post(activity)
        assert status == 201
    card_action = dead.activity("invoke", name="adaptiveCard/action",
                                value={"action": {"type": "Action.Execute", "verb": verbs.HELP_COMMAND, "data": {}}})
    status, body = await dead.post(card_action)
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"


async def test_a_dead_target_gets_one_try_and_no_apology(teams, caplog):
    """Unreachable (hang): the reply is tried once and no apology follows it into the same dead end."""
    teams.connector.behaviour = "hang"
    with caplog.at_level(logging.WARNING):
        assert (await teams.post(teams.activity("message", text="help")))[0] == 201
    assert teams.connector.misbehaved == 1
    assert any(r.getMessage() == "the reply target failed" for r in caplog.records)
    assert not any(r.getMessage() == "unexpected error in turn" for r in caplog.records)


async def test_an_answering_target_that_refuses_the_reply_gets_the_apology(teams):
    """A 403 is an answer: the target is alive, so the apology with the correlation id is tried (and refused)."""
    teams.connector.behaviour = "4xx"
    assert (await teams.post(teams.activity("message", text="help")))[0] == 201
    assert teams.connector.misbehaved == 2


async def test_an_unreadable_2xx_counts_as_delivered(teams, caplog):
    teams.connector.behaviour = "not-json"
    with caplog.at_level(logging.WARNING):
        assert (await teams.post(teams.activity("message", text="help")))[0] == 201
    assert teams.connector.misbehaved == 1  # no apology: the message went through
    assert any("not readable" in r.getMessage() for r in caplog.records)


async def test_an_html_error_page_is_an_http_error_and_retried(teams):
    """msrest failed on the HTML before reading the status: a gateway's 502 page was neither retried nor an error."""
    teams.connector.behaviour = "5xx-html"
    assert (await teams.post(teams.activity("message", text="help")))[0] == 201
    assert teams.connector.misbehaved == 10  # the reply and the apology, each tried 5 times (bot.connector_retry)
