"""`onboard` through a real Teams client (the Agents Playground in headless Chromium) against `python app.py` and
the sandbox: the dialog (who, which access level, the confirmation card, Confirm, the card updated in place),
`cancel` in the middle of it, an @mention of the newcomer in the team channel, and a member who is refused.

Frank Newcomer is in the Entra tenant (and in the Playground's people) but not yet in the organisation; the
sandbox is back at its seed before and after each test, so each one starts with Frank outside."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest

from tests.e2e.teams_ui import At, Teams
from tests.harness.people import person
from tests.sandbox_fixtures import DevOpsSandbox

FRANK = person("frank")
# The only Azure DevOps calls a refused command may cause: the bot reading who the team's admins are
# (bot/services/devops/roles.py: the team's members, then each admin's Graph user), with the SDK's discovery of
# where those APIs live. The bot caches the answer, so there are often none at all.
ADMIN_LOOKUP = re.compile(r"/[^/]+/_apis(/resourceareas|/projects/[^/]+/teams/[^/]+/members|/graph/users/[^/]+)?",
                          re.IGNORECASE)


@pytest.fixture
def sandbox(sandbox_settings: dict[str, str]) -> Iterator[DevOpsSandbox]:
    """The e2e sandbox at its seed before and after the test (other e2e tests share it)."""
    box = DevOpsSandbox(org_url=sandbox_settings["AZURE_DEVOPS_ORG_URL"], pat=sandbox_settings["AZURE_DEVOPS_PAT"],
                        control_url=sandbox_settings["SANDBOX_CONTROL_URL"], env=sandbox_settings,
                        project=sandbox_settings["AZURE_DEVOPS_PROJECT"], team=sandbox_settings["AZURE_DEVOPS_TEAM"])
    box.reset()
    yield box
    box.reset()


@pytest.fixture
def alice(teams: Teams, request: pytest.FixtureRequest) -> Iterator[Teams]:
    """Alice (an admin) in her personal chat. A test that fails mid-dialog leaves it (`cancel`), so the
    next test's `onboard` is not taken for an answer (the bot keeps dialog state per conversation)."""
    teams.open_personal_chat()
    yield teams
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        teams.screenshot("failed-before-cancel")
        with contextlib.suppress(Exception):
            teams.open_personal_chat()
            teams.send("cancel", expect_reply=False)


def team_members(sandbox: DevOpsSandbox) -> dict[str, bool]:
    """principal name -> is team admin, for the members of the configured team."""
    core = sandbox.connection().clients_v7_1.get_core_client()
    members = core.get_team_members_with_extended_properties(sandbox.project, sandbox.team)
    return {m.identity.unique_name: m.is_team_admin for m in members}


def access_level(sandbox: DevOpsSandbox, upn: str) -> str | None:
    """The accountLicenseType of `upn`'s organisation entitlement (express = Basic), None without one."""
    client = sandbox.connection().clients_v7_1.get_member_entitlement_management_client()
    for member in client.search_user_entitlements().members:
        if member.user.principal_name == upn:
            return member.access_level.account_license_type
    return None


def writes(sandbox: DevOpsSandbox, since: int) -> list[dict]:
    return [r for r in sandbox.requests(since) if r["method"] not in ("GET", "HEAD", "OPTIONS")]


def is_admin_lookup(request: dict) -> bool:
    return request["method"] in ("GET", "OPTIONS") and ADMIN_LOOKUP.fullmatch(request["path"]) is not None


def assert_frank_is_outside(sandbox: DevOpsSandbox) -> None:
    assert access_level(sandbox, FRANK.upn) is None and FRANK.upn not in team_members(sandbox)


def text_of(teams: Teams) -> str:
    """What the page shows of the bot's latest answer (a text message or a card)."""
    return teams.last_reply().inner_text()


def test_onboard_dialog_confirm_and_see_frank_in_the_team(alice: Teams, sandbox: DevOpsSandbox) -> None:
    assert_frank_is_outside(sandbox)
    since = sandbox.last_seq()

    asked = alice.send("onboard")
    alice.screenshot("1-who")
    assert not asked.cards and "Who should I add to College Team?" in text_of(alice), asked.raw

    alice.send(FRANK.upn)
    alice.screenshot("2-which-level")
    assert "Which access level should they get: basic or stakeholder?" in text_of(alice)

    question = alice.send("stakeholder")
    assert question.cards, f"the dialog ended without the confirmation card: {question.raw}"
    card = alice.last_card()
    alice.screenshot("3-confirmation-card")
    text = card.inner_text()
    assert "Onboard these people?" in text and "Only they can confirm" in text, text
    assert FRANK.upn in text and "Stakeholder" in text and "College Team" in text, text
    assert writes(sandbox, since) == [], "nothing may be written before Confirm"

    since = sandbox.last_seq()
    call = alice.click_card_button("Confirm", card)
    alice.screenshot("4-onboarded")
    assert call.response.get("statusCode") == 200, call.response
    text = card.inner_text()  # the same card, updated in place
    assert "Onboarded to College Team" in text, text
    assert f"{FRANK.name} ({FRANK.upn}): added to the team, access level Stakeholder" in text, text
    assert "Confirmed by Alice Admin" in text, text
    assert card.get_by_role("button", name="Confirm", exact=True).count() == 0, "the card still asks"

    assert access_level(sandbox, FRANK.upn) == "stakeholder"
    assert team_members(sandbox).get(FRANK.upn) is False  # a member, not a team admin
    entitlement_posts = [r for r in writes(sandbox, since) if "userentitlements" in r["path"].lower()]
    assert [r["status"] for r in entitlement_posts] == [200], entitlement_posts

    team = alice.send("team")
    alice.screenshot("5-team")
    assert team.cards, team.raw
    text = alice.last_card().inner_text()
    assert "Team College Team" in text and FRANK.name in text and FRANK.upn in text, text
    frank_line = next(line for line in text.splitlines() if FRANK.name in line)
    assert "Member" in frank_line and "Stakeholder" in frank_line, text


def test_cancel_in_the_middle_of_the_dialog(alice: Teams, sandbox: DevOpsSandbox) -> None:
    since = sandbox.last_seq()
    alice.send("onboard")
    assert "Who should I add to College Team?" in text_of(alice)
    alice.screenshot("1-who")

    left = alice.send("cancel")
    alice.screenshot("2-cancelled")
    assert left.text == "Cancelled. Nothing more will be asked.", left.raw
    assert "Cancelled. Nothing more will be asked." in text_of(alice)

    helped = alice.send("help")  # a command again, not an answer to "Who should I add"
    alice.screenshot("3-help")
    assert helped.cards, f"help answered without a card (still in the dialog?): {helped.raw}"
    text = alice.last_card().inner_text()
    assert "College Bot: commands" in text and "onboard" in {line.strip() for line in text.splitlines()}, text

    assert writes(sandbox, since) == []
    assert_frank_is_outside(sandbox)


def test_mention_the_newcomer_in_the_team_channel(teams: Teams, sandbox: DevOpsSandbox) -> None:
    teams.open_channel("General")
    question = teams.compose_and_send(At(teams.playground.bot_name), "onboard ", At(FRANK.name))
    card = teams.last_card()
    teams.screenshot("1-confirmation-card")
    assert question.cards, f"the mention answered without a card: {question.raw}"
    text = card.inner_text()
    # the Playground's @ menu sent Frank's Teams id; the bot found his address through Teams
    assert "Onboard these people?" in text and FRANK.upn in text and "Basic" in text, text

    call = teams.click_card_button("Confirm", card)
    teams.screenshot("2-onboarded")
    assert call.response.get("statusCode") == 200, call.response
    text = card.inner_text()
    assert f"{FRANK.name} ({FRANK.upn}): added to the team, access level Basic" in text, text
    assert "Confirmed by Alice Admin" in text, text
    assert access_level(sandbox, FRANK.upn) == "express"  # Basic
    assert team_members(sandbox).get(FRANK.upn) is False


def test_a_member_is_refused_and_nothing_reaches_azure_devops(teams_as, sandbox: DevOpsSandbox) -> None:
    bob = teams_as("bob")
    bob.open_personal_chat()
    since = sandbox.last_seq()
    refused = bob.send(f"onboard {FRANK.upn}")
    bob.screenshot("1-refused")
    assert refused.cards, refused.raw
    text = bob.last_card().inner_text()
    assert "Only the team's admins may use onboard" in text, text
    assert "Onboard these people?" not in text and "Confirm" not in text, text

    calls = sandbox.requests(since)
    assert [r for r in calls if not is_admin_lookup(r)] == [], calls
    assert_frank_is_outside(sandbox)
