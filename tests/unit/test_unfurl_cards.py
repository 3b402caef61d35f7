"""cards.unfurl: the run card, the compose box's preview, and cards made fit to travel as someone's message."""

from datetime import UTC, datetime, timedelta

from bot.services.devops.model import ApprovalStep, Build, Identity, RunApproval
from cards.common import card, execute, open_url, text
from cards.unfurl import THUMBNAIL, build_words, preview, problem_preview, run_card, without_bot_buttons
from tests.harness.cards import assert_valid_card, card_actions, card_texts

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_a_run_card_says_how_it_ended_and_links_to_the_run():
    build = Build(id=101, number="20261125.1", pipeline="tinyyolo-edge-deploy", status="completed", result="failed",
                  branch="refs/heads/main", pushed_by="Bob Builder", finished=NOW - timedelta(hours=1),
                  web_url="https://dev.azure.com/contoso/College/_build/results?buildId=101")
    shown = run_card(build, now=NOW)
    assert_valid_card(shown)
    words = " ".join(card_texts(shown))
    assert "❌ failed" in words and "Finished" in words and "tinyyolo-edge-deploy" in words
    assert "main" in words and "refs/heads" not in words and "Bob Builder" in words
    assert card_actions(shown) == [open_url("Open in Azure DevOps", build.web_url)]
    running = Build(id=2, number="n", pipeline="p", status="inProgress", result="", branch="", pushed_by="")
    assert_valid_card(run_card(running, now=NOW))
    assert build_words(running) == "🔄 inProgress" and "actions" not in run_card(running, now=NOW)
    waiting = [RunApproval(id="a", status="pending", run_id=2,
                           steps=(ApprovalStep(Identity("Carol Approver"), "pending"),))]
    assert build_words(running, waiting) == "⏳ waiting for approval by Carol Approver"


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
