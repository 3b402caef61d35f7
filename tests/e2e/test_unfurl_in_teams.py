"""Link unfurling through a real Teams client emulator: a release link of the sandbox's organization, pasted by a
person, sent as the `composeExtension/queryLink` invoke through the Agents Playground's invoke API (typing a URL into
its compose box does not trigger one), against `python app.py` and the sandbox. The answered card goes to the e2e
artifacts as JSON."""

from __future__ import annotations

import json
import time

from tests.e2e.teams_ui import Teams
from tests.harness.cards import assert_valid_card, card_texts

QUERY_LINK = "composeExtension/queryLink"
VERDICT_WITHIN_S = 120.0  # the first check of a model file runs in its own process (seconds on 2 cores)


def paste(teams: Teams, person: str, url: str, conversation: str = "team") -> dict:
    playground = teams.playground
    body = {"name": QUERY_LINK, "from": {"id": playground.user(person)["id"]},
            "conversation": {"id": playground.conversation_id(conversation)}, "value": {"url": url}}
    answer = playground.post("/_conversation/v1/invoke", body)  # the bot's invoke response body
    assert isinstance(answer, dict) and "composeExtension" in answer, answer
    return answer


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


def test_a_pasted_release_link_unfurls_into_the_release_card(teams: Teams, sandbox_settings) -> None:
    org = sandbox_settings["AZURE_DEVOPS_ORG_URL"].rstrip("/")
    project = sandbox_settings.get("AZURE_DEVOPS_PROJECT", "College")
    url = f"{org}/{project}/_releaseProgress?_a=release-pipeline-progress&releaseId=3"
    deadline = time.monotonic() + VERDICT_WITHIN_S
    while True:  # the verdict of the shipped model comes once its check has run (the first paste starts it)
        answer = paste(teams, "bob", url)
        attachments = answer["composeExtension"]["attachments"]
        assert answer["composeExtension"]["type"] == "result" and len(attachments) == 1, answer
        card = attachments[0]["content"]
        if "fails its test data" in text_of(card) or time.monotonic() > deadline:
            break
        time.sleep(2)
    (teams.artifacts / "unfurled-release-3.json").write_text(json.dumps(answer, indent=2, ensure_ascii=False))
    assert_valid_card(card)
    text = text_of(card)
    assert "Release-3" in text and "TinyYOLO to IoT Edge" in text and "started by Bob Builder" in text, text
    assert "approval: waiting for Dave Datascientist" in text, text
    assert "Azure ML model TinyYOLO version 3: ❌ fails its test data" in text, text
    assert attachments[0]["preview"]["content"]["title"] == "Release-3 · TinyYOLO to IoT Edge", attachments[0]

    other = paste(teams, "bob", url.replace("/college-org/", "/another-org/"))
    assert other["composeExtension"]["attachments"] == [], other


def test_the_playgrounds_link_unfurling_dialog_shows_the_card_and_sends_it(teams: Teams, sandbox_settings) -> None:
    """The Playground's own way in: "Trigger Message Extension App" > "Link Unfurling", the URL typed in its box
    (it sends the queryLink invoke), the card previewed there, then "Send to Conversation" posts it as alice's message
    in the group chat (where the bot, not @mentioned, stays quiet)."""
    org = sandbox_settings["AZURE_DEVOPS_ORG_URL"].rstrip("/")
    project = sandbox_settings.get("AZURE_DEVOPS_PROJECT", "College")
    page = teams.open_group_chat().page
    page.get_by_role("button", name="Trigger Message Extension App").click()
    page.get_by_role("menuitem", name="Link Unfurling").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Enter an URL").fill(f"{org}/{project}/_git/aidevcollege")
    preview = dialog.locator(".ac-adaptiveCard")
    text = teams.wait_for_text(preview, "Clone (HTTPS)")
    teams.screenshot("unfurl-dialog-repository")
    assert "aidevcollege" in text and "Open in Azure DevOps" in text, text
    dialog.get_by_role("button", name="Send to Conversation").click()
    sent = page.locator(".ac-adaptiveCard").filter(has_text="Clone (HTTPS)").last
    teams.wait_for_text(sent, "aidevcollege")
    sent.scroll_into_view_if_needed()
    teams.screenshot("unfurl-sent-repository")
