"""Hearing without asking, through a real Teams client (the Agents Playground in headless Chromium) against
`python app.py` and the sandbox: Alice subscribes the team's channel to approvals; an approval made pending in the
sandbox reaches the bot as Azure DevOps' service hook and appears in the channel as its approval card."""

from __future__ import annotations

import pytest

from tests.e2e.sandbox_control import control as _control
from tests.e2e.teams_ui import CARD, Teams

CHECK_S = 180.0  # the shipped model's check runs in its own process the first time


@pytest.fixture
def seeded(sandbox_settings: dict[str, str]):
    """The sandbox at its seed before and after (its subscriptions go with it; other e2e tests share it)."""
    _control(sandbox_settings, "reset")
    yield
    _control(sandbox_settings, "reset")


def test_an_approval_made_pending_appears_in_the_subscribed_channel(teams_as, seeded, sandbox_settings) -> None:
    teams: Teams = teams_as("alice")
    teams.open_channel()
    teams.mention_bot_and_send("subscribe approvals")
    text = teams.wait_for_text(teams.last_card(), "Subscribed")
    assert "approvals waiting" in text, text
    teams.screenshot("subscribed")
    cards = teams.page.locator(CARD)
    assert not any("Approve QA of Release-3?" in cards.nth(i).inner_text() for i in range(cards.count()))
    # Azure DevOps makes an approval pending (a second approver on QA of Release-3): its service hook reaches the bot
    _control(sandbox_settings, "pending_approval", {"approver": "carol", "release_id": 3, "stage": "QA"})
    card = cards.filter(has_text="Approve QA of Release-3?").first
    card.wait_for(timeout=CHECK_S * 1000)  # the bot reads the facts back (and checks the model) before posting
    text = teams.wait_for_text(card, "TinyYOLO version 3", CHECK_S)
    assert "Carol Approver" in text, text
    teams.screenshot("approval-pushed-to-the-channel")
