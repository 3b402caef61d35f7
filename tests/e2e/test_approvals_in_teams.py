"""Approvals through a real Teams client (the Agents Playground in headless Chromium) against `python app.py` and
the sandbox (its token service too: per-user sign-in is on): Carol opens `approvals`, types a comment, clicks
Approve, is asked to sign in, signs in through the sign-in card (the sandbox's sign-in page in a popup, then the
code it shows typed in the chat), and sees her decision made without clicking again, recorded in Azure DevOps
under her name; Dave meets the model-quality gate on QA of Release-3 (it ships TinyYOLO 3, which fails its
check)."""

from __future__ import annotations

import pytest

from tests.e2e.sandbox_control import control as _control
from tests.e2e.teams_ui import CARD, Teams

CHECK_S = 180.0  # the shipped model's check runs in its own process the first time


@pytest.fixture
def seeded(sandbox_settings: dict[str, str]):
    """The sandbox at its seed before and after (other e2e tests share it)."""
    _control(sandbox_settings, "reset")
    yield
    _control(sandbox_settings, "reset")


def test_carol_signs_in_approves_with_a_comment_and_sees_the_card_updated(teams_as, seeded,
                                                                        sandbox_settings) -> None:
    teams: Teams = teams_as("carol")
    teams.open_personal_chat()
    teams.send("approvals")
    # oldest first: her release approval, then her YAML pipeline approval (the answer's own card, sent last)
    teams.wait_for_text(teams.last_card(), "Approve tinyyolo-edge-deploy run 20261128.1?", CHECK_S)
    cards = teams.page.locator(CARD)  # by position: the card keeps its place when its text changes
    card = cards.nth(next(i for i in reversed(range(cards.count()))
                          if "Approve Prod of Release-2?" in cards.nth(i).inner_text()))
    text = card.inner_text()
    assert "passes its test data" in text and "your own Azure DevOps identity" in text, text
    card.get_by_label("Comment (goes into Azure DevOps)").fill("Checked on the edge box.")
    teams.screenshot("approval-carol")
    teams.click_card_button("Approve", card)
    teams.wait_for_text(card, "Sign in to Azure DevOps first")
    # the Playground draws the OAuth card as a hero card whose button is labelled by its tooltip
    sign_in = teams.page.locator("[data-tid='hero-card-buttons'] button", has_text="Sign in").last
    sign_in.wait_for()
    teams.screenshot("approval-carol-sign-in-card")
    with teams.page.context.expect_page() as opened:  # the Playground opens the sign-in link in a new window
        sign_in.click()
    page = opened.value
    page.wait_for_load_state()
    page.locator("button[data-person='carol']").click()
    code = page.locator("#magic-code").inner_text().strip()
    page.screenshot(path=str(teams.artifacts / "approval-carol-sign-in-page.png"), full_page=True)
    page.close()
    assert code.isdigit() and len(code) == 6, code
    teams.send(code)
    teams.wait_for_text(teams.page.locator("body"), "Signed in to Azure DevOps as Carol Approver")
    text = teams.wait_for_text(card, "Approved: Prod of Release-2")

    teams.screenshot("approval-carol-approved")
    assert "Carol Approver" in text and "Checked on the edge box." in text, text
    signed_in = _control(sandbox_settings, "signin", method="GET")
    assert any(s["person"] == "carol" for s in signed_in), signed_in  # Azure DevOps recorded Carol herself


def test_dave_meets_the_gate_on_version_3(teams_as, seeded) -> None:
    teams: Teams = teams_as("dave")
    teams.open_personal_chat()
    teams.send("approvals")
    card = teams.last_card()
    text = teams.wait_for_text(card, "fails its test data", CHECK_S)
    assert "Approve QA of Release-3?" in text and "tick the override" in text, text
    teams.screenshot("approval-dave-gate")
    teams.click_card_button("Approve anyway", card)
    text = teams.wait_for_text(card, "Not approved: the model does not pass its check")
    teams.screenshot("approval-dave-refused")
