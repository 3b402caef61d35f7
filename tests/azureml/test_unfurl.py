"""Link unfurling through the HTTP harness against the sandbox: a pasted release, pipeline run (build) or repository
link of the configured organization answers the `composeExtension/queryLink` invoke with its card and a preview;
any other link gets a result without a card; failures get a small card, never a failed invoke."""

from __future__ import annotations

import json

import pytest
from botbuilder.schema.teams import MessagingExtensionResult

from tests.harness.cards import assert_valid_card, card_actions, card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (cards once the work is done)

QUERY_LINK = "composeExtension/queryLink"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"
THUMBNAIL = "application/vnd.microsoft.card.thumbnail"


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


async def paste(bot, url, *, who: str = "alice", at: str = "channel") -> tuple[int, dict]:
    status, body = await bot.post(bot.activity("invoke", name=QUERY_LINK, value={"url": url}, who=who, at=at))
    assert status == 200, (status, body)
    result = body["composeExtension"]  # botbuilder's model (its msrest map cannot read a preview: checked by hand)
    assert MessagingExtensionResult.deserialize({k: v for k, v in result.items() if k != "attachments"}).serialize()
    assert set(result) == {"type", "attachmentLayout", "attachments"}, result
    assert bot.connector.sent == []  # the answer is the invoke's, nothing is posted
    return status, body


async def unfurled(bot, url, **kw) -> tuple[dict, dict]:
    """The card and the preview a link unfurls into (each checked: Adaptive Card 1.5, a thumbnail preview)."""
    _, body = await paste(bot, url, **kw)
    result = body["composeExtension"]
    assert result["type"] == "result" and result["attachmentLayout"] == "list", result
    assert len(result["attachments"]) == 1, result
    attachment = result["attachments"][0]
    assert attachment["contentType"] == ADAPTIVE
    assert_valid_card(attachment["content"])
    assert attachment["preview"]["contentType"] == THUMBNAIL and attachment["preview"]["content"]["title"]
    assert not [a for a in card_actions(attachment["content"]) if a["type"] == "Action.Execute"]
    return attachment["content"], attachment["preview"]["content"]


async def no_card(bot, url, **kw) -> None:
    _, body = await paste(bot, url, **kw)
    assert body == {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": []}}, body


@pytest.fixture
def org(azureml_sandbox) -> str:
    return azureml_sandbox.env["AZURE_DEVOPS_ORG_URL"].rstrip("/")


async def test_a_release_link_unfurls_into_the_release_card_with_stages_and_the_models_verdict(ml_bot, org):
    card, preview = await unfurled(ml_bot, f"{org}/College/_releaseProgress?_a=release-pipeline-progress&releaseId=3")
    text = text_of(card)
    assert "Release-3" in text and "TinyYOLO to IoT Edge" in text and "started by Bob Builder" in text
    assert "approval: waiting for Dave Datascientist" in text
    assert "Azure ML model TinyYOLO version 3: ❌ fails its test data" in text
    assert {a["title"] for a in card_actions(card)} == {"Open in Azure DevOps"}
    assert next(a for a in card_actions(card))["url"] == (
        f"{org}/College/_releaseProgress?_a=release-pipeline-progress&releaseId=3")
    assert preview["title"] == "Release-3 · TinyYOLO to IoT Edge" and "QA waiting for Dave Datascientist" in preview[
        "text"]
    card, _ = await unfurled(ml_bot, f"{org}/College/_release?_a=release-summary&releaseId=2", at="group")
    assert "Azure ML model TinyYOLO version 2: ✅ passes its test data" in text_of(card)


async def test_a_pipeline_run_link_unfurls_into_the_run_with_who_it_waits_for(ml_bot, org):
    card, preview = await unfurled(ml_bot, f"{org}/College/_build/results?buildId=102&view=results")
    text = text_of(card)
    assert "tinyyolo-edge-deploy · run 20261128.1" in text and "waiting for approval by Carol Approver" in text
    assert "Requested for Bob Builder" in text and "Branch master" in text
    assert preview["title"] == "tinyyolo-edge-deploy · run 20261128.1"
    assert card_actions(card)[0]["url"] == f"{org}/College/_build/results?buildId=102"
    card, _ = await unfurled(ml_bot, f"{org}/College/_build/results?buildId=101", at="personal")
    assert "✅ succeeded" in text_of(card) and "Finished" in text_of(card)


async def test_a_repository_link_unfurls_into_the_repository_card(ml_bot, org):
    card, preview = await unfurled(ml_bot, f"{org}/College/_git/aidevcollege?path=/README.md")
    text = text_of(card)
    assert "aidevcollege" in text and "Clone (HTTPS)" in text
    assert preview["title"] == "aidevcollege" and "College" in preview["text"]


async def test_other_links_get_no_card(ml_bot, org):
    host = org.split("/college-org")[0]
    for url in [f"{host}/another-org/College/_releaseProgress?releaseId=3",
                f"{org.replace('127.0.0.1', 'localhost')}/College/_releaseProgress?releaseId=3",
                "https://dev.azure.com/college-org/College/_releaseProgress?releaseId=3",
                f"{org}/OtherProject/_releaseProgress?releaseId=3",
                f"{org}/College/_workitems/edit/3", f"{org}/College/_releaseProgress?releaseId=abc",
                "https://example.org/x", "not a link"]:
        await no_card(ml_bot, url)
    for value in [None, "text", 5, [1], {"url": 5}, {"url": ["x"]}, {}]:
        status, body = await ml_bot.post(ml_bot.activity("invoke", name=QUERY_LINK, value=value))
        assert status == 200 and body["composeExtension"]["attachments"] == [], (value, body)


async def test_an_unknown_release_run_or_repository_answers_the_not_found_card(ml_bot, org):
    for url in [f"{org}/College/_releaseProgress?releaseId=999", f"{org}/College/_build/results?buildId=999",
                f"{org}/College/_git/no-such-repo"]:
        card, preview = await unfurled(ml_bot, url)
        assert "Not found" in text_of(card), (url, text_of(card))
        assert preview["title"].startswith("⚠️ Not found")


async def test_credentials_in_a_pasted_link_are_never_echoed(ml_bot, org):
    secret = "s3cr3t-pat-0123456789abcdef"
    with_credentials = org.replace("http://", f"http://someone:{secret}@")
    card, preview = await unfurled(ml_bot, f"{with_credentials}/College/_releaseProgress?releaseId=3")
    assert "Release-3" in text_of(card)
    assert secret not in json.dumps(card) and secret not in json.dumps(preview) and "someone" not in json.dumps(card)
    _, body = await paste(ml_bot, f"{with_credentials}/College/_git/no-such-repo?token={secret}")
    assert secret not in json.dumps(body)


async def test_azure_devops_down_answers_a_small_card(ml_bot, org, azureml_sandbox):
    azureml_sandbox.control.add_fault(path_regex="_apis/build/builds", status=503)
    try:
        card, preview = await unfurled(ml_bot, f"{org}/College/_build/results?buildId=101")
    finally:
        azureml_sandbox.control.clear_faults()
    assert "101" not in preview["title"] and preview["title"].startswith("⚠️")
    assert "Sorry, something went wrong" not in text_of(card), text_of(card)


async def test_an_unexpected_failure_answers_the_apology_with_its_reference(ml_bot, org, monkeypatch, caplog):
    import bot.unfurl

    async def broken(*args, **kwargs):
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr(bot.unfurl, "READERS", {**bot.unfurl.READERS, "repository": broken})
    card, _ = await unfurled(ml_bot, f"{org}/College/_git/aidevcollege")
    text = text_of(card)
    assert "Sorry, something went wrong" in text and "boom" not in text and "Traceback" not in text
    assert any("unfurling a link failed" in r.getMessage() for r in caplog.records)


async def test_a_retried_paste_gets_its_card_again(ml_bot, org):
    activity = ml_bot.activity("invoke", name=QUERY_LINK, value={"url": f"{org}/College/_git/aidevcollege"},
                               activity_id="same-paste")
    first = await ml_bot.post(activity)
    assert await ml_bot.post(activity) == first and first[1]["composeExtension"]["attachments"]


async def test_an_unfurled_card_sent_in_the_personal_chat_gets_no_answer(ml_bot, azureml_sandbox):
    """Sending the unfurled card (a message with an attachment and no text) is sharing it, not a command."""
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Release-3"}]}
    sent = await ml_bot.send(ml_bot.activity("message", who="bob", text="", attachments=[
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]))
    assert sent == []
    assert [s for s in await ml_bot.say("", who="bob") if s.cards]  # an empty message still gets the help card
