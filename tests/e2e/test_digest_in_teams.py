"""`digest now` through a real Teams client (the Agents Playground in headless Chromium) in the team channel,
against `python app.py` and the sandbox: the digest card with the releases in flight and the approvals waiting."""

from __future__ import annotations

from tests.e2e.teams_ui import Teams


def test_digest_now_in_the_team_channel(teams: Teams) -> None:
    teams.open_channel("General")
    reply = teams.mention_bot_and_send("digest now")
    teams.screenshot("channel-digest")
    assert reply.cards, f"digest now answered without a card: {reply.raw}"
    text = teams.last_card().inner_text()
    assert "Digest" in text and "Releases in flight" in text and "Waiting for approval" in text, text
    assert "Release-3" in text and "Carol Approver" in text, text
