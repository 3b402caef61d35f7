"""`digest now` through a real Teams client (the Agents Playground in headless Chromium) in the team channel,
against `python app.py` and the sandbox: the digest card with the releases in flight and the approvals waiting."""

from __future__ import annotations

from tests.e2e.teams_ui import Teams

CHECK_S = 180.0  # the digest checks the new model version (TinyYOLO 3) in its own process first

def test_digest_now_in_the_team_channel(teams: Teams) -> None:
    teams.open_channel("General")
    reply = teams.mention_bot_and_send("digest now")
    assert reply.cards, f"digest now answered without a card: {reply.raw}"
    card = teams.last_card()
    text = teams.wait_for_text(card, "Waiting for approval", CHECK_S)  # a new model version is checked first
    teams.screenshot("channel-digest")
    assert "Digest" in text and "Releases in flight" in text and "Waiting for approval" in text, text
    assert "Release-3" in text and "Carol Approver" in text, text
