"""Hostile bodies get a 4xx or a handled 2xx, never a 5xx: Teams-shaped activities and card actions, mutated
(tests/harness/hostile.py), posted to the real app while the reply target sometimes misbehaves.

`make test` runs HOSTILE_EXAMPLES (default 2,000) derandomized examples. `make fuzz` runs 20,000 with
HOSTILE_SEED and prints the counts by status code, mutation kind and Teams shape (pytest -s).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot import turn_clients
from tests.harness.cards import card_texts
from tests.harness.hostile import HostileRun, card_actions_from_the_bot, hostile_cases

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "2000"))
SEED = os.environ.get("HOSTILE_SEED", "")


@pytest.fixture
async def hostile(make_bot, monkeypatch):
    """One bot for all examples (state accumulates, as in production); a dead reply target gives up quickly."""
    monkeypatch.setattr(turn_clients, "READ_TIMEOUT_S", 0.1)
    teams = await make_bot()
    run = HostileRun(teams, await card_actions_from_the_bot(teams))
    yield run
    run.close()
    print("\n" + run.report())


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not SEED, print_blob=True,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_hostile_bodies_get_4xx_or_a_handled_2xx(hostile, data):
    case = data.draw(hostile_cases(hostile.card_actions), label="case")
    outcome = await hostile.send(case)
    assert outcome.status < 500, f"HTTP {outcome.status} {outcome.body[:200]!r} for {case.describe()}"
    assert outcome.unexpected_errors == 0, f"the turn crashed (handled) for {case.describe()}"


if SEED:
    test_hostile_bodies_get_4xx_or_a_handled_2xx = seed(int(SEED))(test_hostile_bodies_get_4xx_or_a_handled_2xx)


async def test_whoami_without_channel_data_is_answered_not_crashed(teams):
    """Found by `make fuzz`: botbuilder's member lookup read a missing channelData as a mapping."""
    activity = teams.activity("message", text="whoami")
    activity.pop("channelData", None)
    status, _ = await teams.post(activity)
    assert status == 201
    assert "Alice Admin" in " ".join(card_texts(teams.connector.sent[-1].card))
