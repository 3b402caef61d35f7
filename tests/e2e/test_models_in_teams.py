"""`models` and `model` through a real Teams client (the Agents Playground in headless Chromium) against
`python app.py` and the sandbox's Azure ML: a member lists the models, opens TinyYOLO's newest version (3) and
sees it fail its test data, with the reason and the change against version 2."""

from __future__ import annotations

from tests.e2e.teams_ui import Teams

CHECK_S = 180.0  # checks run in their own processes, one at a time (a cold machine builds the seeded models first)


def test_a_member_sees_the_newest_tinyyolo_fail_its_test_data(teams_as) -> None:
    teams: Teams = teams_as("bob")
    teams.open_personal_chat()
    reply = teams.send("models")
    assert reply.cards, f"models answered without a card: {reply.raw}"
    listing = teams.last_card()
    text = teams.wait_for_text(listing, "fails its test data", CHECK_S)
    teams.screenshot("models-list")
    assert "TinyYOLO · version 3" in text and "TinyResNet · version 2" in text, text

    teams.click_card_button("Open TinyYOLO", listing)
    text = teams.wait_for_text(listing, "Against version 2", CHECK_S)
    teams.screenshot("model-tinyyolo-3")
    assert "TinyYOLO · version 3" in text and "fails its test data" in text, text
    assert "max abs error" in text and "verdict: pass → fail" in text, text
