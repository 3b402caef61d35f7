"""releases and release <id> through the HTTP harness against the sandbox: each stage at a glance with who an
approval waits for, and one release with the Azure ML model version it ships and that version's test verdict."""

from __future__ import annotations

from cards import verbs
from tests.harness.cards import card_actions, card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (cards once the work is done)


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


async def test_releases_show_each_stage_and_who_an_approval_waits_for(ml_bot):
    card = await ml_bot.ask("releases")
    text = text_of(card)
    assert "Release-3" in text and "Release-2" in text and "Release-1" in text
    assert "⏳ QA waiting for Dave Datascientist" in text and "⏳ Prod waiting for Carol Approver" in text
    assert "❌ QA" in text  # Release-1's QA deployment failed
    assert {"Open Release-3", "Open Release-2"} <= {a["title"] for a in card_actions(card)}


async def test_a_release_shows_its_stages_approvers_and_the_shipped_models_verdict(ml_bot):
    text = text_of(await ml_bot.ask("release 3"))
    assert "Release-3" in text and "TinyYOLO to IoT Edge" in text and "started by Bob Builder" in text
    assert "approval: waiting for Dave Datascientist" in text
    assert "Azure ML model TinyYOLO version 3: ❌ fails its test data" in text
    text = text_of(await ml_bot.ask("release Release-2"))
    assert "Azure ML model TinyYOLO version 2: ✅ passes its test data" in text
    assert "approval: approved by Dave Datascientist" in text and "waiting for Carol Approver" in text


async def test_the_list_opens_a_release_and_a_bad_number_says_what_to_type(ml_bot):
    card = await ml_bot.ask("releases")
    action = next(a for a in card_actions(card) if a["title"] == "Open Release-1")
    status, detail = await ml_bot.click(verbs.RELEASE_SHOW, action["data"])
    assert status == 200 and "Release-1" in text_of(detail)
    assert "not a release number" in text_of(await ml_bot.ask("release soon"))
    assert "Not found" in text_of(await ml_bot.ask("release 999"))


async def test_an_unknown_release_pipeline_lists_those_that_exist(ml_bot):
    text = text_of(await ml_bot.ask('releases "Nightly"'))
    assert "no release pipeline called 'Nightly'" in text and "TinyYOLO to IoT Edge" in text
