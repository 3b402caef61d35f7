"""cards.unfurl: the run card, the compose box's preview, and cards made fit to travel as someone's message."""

from datetime import UTC, datetime, timedelta

from bot.services.devops.model import PipelineRun
from cards.common import card, execute, open_url, text
from cards.unfurl import THUMBNAIL, preview, problem_preview, run_card, without_bot_buttons
from tests.harness.cards import assert_valid_card, card_actions, card_texts

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_a_run_card_says_how_it_ended_and_links_to_the_run():
    run = PipelineRun(id=101, name="20261125.1", pipeline_id=1, pipeline="tinyyolo-edge-deploy", state="completed",
                      result="failed", created_on=NOW - timedelta(hours=2), finished_on=NOW - timedelta(hours=1),
                      web_url="https://dev.azure.com/contoso/College/_build/results?buildId=101")
    shown = run_card(run, now=NOW)
    assert_valid_card(shown)
    words = " ".join(card_texts(shown))
    assert "❌ failed" in words and "Finished" in words and "tinyyolo-edge-deploy" in words
    assert card_actions(shown) == [open_url("Open in Azure DevOps", run.web_url)]
    running = run_card(PipelineRun(id=2, name="n", pipeline_id=1, pipeline="p", state="inProgress"), now=NOW)
    assert_valid_card(running)
    assert "🔄 inProgress" in " ".join(card_texts(running)) and "actions" not in running


def test_buttons_that_need_the_bot_are_taken_out_links_stay():
    tapped = {"type": "Container", "items": [text("x")], "selectAction": execute("Open", "release.show", {"id": 1})}
    linked = {"type": "Container", "items": [text("y")], "selectAction": open_url("Open", "https://example.org")}
    shown = card([tapped, linked, {"type": "ActionSet", "actions": [execute("a", "v"), open_url("b", "https://x")]}],
                 [execute("All releases", "releases.list"), open_url("Open in Azure DevOps", "https://example.org")])
    cleaned = without_bot_buttons(shown)
    assert_valid_card(cleaned)
    assert [a["type"] for a in card_actions(cleaned)] == ["Action.OpenUrl"] * 3
    assert "selectAction" not in cleaned["body"][0] and cleaned["body"][1]["selectAction"]["type"] == "Action.OpenUrl"
    assert shown["actions"][0]["type"] == "Action.Execute"  # the original is left as it was
    only_buttons = without_bot_buttons(card([text("z")], [execute("Refresh", "pipelines.list")]))
    assert "actions" not in only_buttons


def test_the_preview_is_a_short_thumbnail():
    short = preview("Release-3 · TinyYOLO to IoT Edge", "active · ✅ Dev")
    assert short == {"contentType": THUMBNAIL, "content": {"title": "Release-3 · TinyYOLO to IoT Edge",
                                                           "text": "active · ✅ Dev"}}
    long = preview("t" * 300, "s" * 500)["content"]
    assert len(long["title"]) == 100 and len(long["text"]) == 200 and long["text"].endswith("…")
    assert problem_preview("Not found", "College Bot")["content"]["title"] == "⚠️ Not found"
