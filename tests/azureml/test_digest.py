"""Digests through the HTTP harness against the sandbox: digest now (content, sections left out, the call budget at
scale, a card too big summarised), the schedule commands and who may use them, schedules across a restart, a
digest missed while the bot was down (within the grace period and beyond it), delivery with 429 then success, and
403 pausing the schedule."""

from __future__ import annotations

from cards.digest import card_bytes
from tests.harness.cards import card_texts

AZURE_ML_ORIGINS = {"arm", "entra", "blob"}


def devops_calls(sandbox, since: int) -> list[dict]:
    """The Azure DevOps calls in the sandbox's request log after ``since`` (Azure ML's are not counted)."""
    return [c for c in sandbox.requests(since) if c["origin"] not in AZURE_ML_ORIGINS]


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


async def test_digest_now_shows_the_seeded_project(ml_bot, azureml_sandbox):
    card = await ml_bot.ask("digest now")
    text = text_of(card)
    assert "(24 h ago)" in text  # no digest here before: the last 24 hours
    assert "**tinyyolo-edge-deploy** · last: ✅ succeeded 4 days ago · none in the period" in text
    assert "**TinyYOLO to IoT Edge** · last: ✅ succeeded 3 h ago · 1 in the period, 100% succeeded" in text
    assert "**Release-3** · TinyYOLO to IoT Edge · ✅ Dev succeeded · 🔄 QA queued · ▫️ Prod notStarted" in text
    waiting = [line for line in text.split("⏳ ")[1:]]
    assert [w.split(" · ")[0] for w in waiting] == [  # oldest first, with age and approver
        "**Prod of Release-2**", "**tinyyolo-edge-deploy run 20261128.1**", "**QA of Release-3**"]
    assert "approver: Dave Datascientist" in waiting[2] and "waiting for 3 h" in waiting[2]
    assert "**TinyYOLO 3** · registered by Bob Builder" in text  # registered in the period
    assert "Failures since" not in text  # empty sections are left out
    assert {a["title"] for a in card["actions"]} == {"Pipelines", "Releases", "Approvals"}


async def test_a_failure_in_the_period_is_listed_first(ml_bot, azureml_sandbox):
    sandbox = azureml_sandbox.control
    sandbox.deploy_outcome(3, "QA", "failed")
    release = sandbox.connection_as("dave").clients_v7_1.get_release_client()
    from azure.devops.v7_1.release.models import ReleaseApproval

    release.update_release_approval(ReleaseApproval(status="approved", comments="ok"), "College", 4)
    sandbox.advance_clock(120)
    text = text_of(await ml_bot.ask("digest now", at="channel"))
    assert "**Failures since the previous digest** (1) ❌ **TinyYOLO to IoT Edge** · Release-3 · QA · failed" in text
    assert "2 in the period, 50% succeeded" in text


async def test_one_digest_costs_at_most_ten_calls_at_scale(ml_bot, azureml_sandbox, exchanges):
    await ml_bot.ask("digest now")  # the SDK's one-time discovery (OPTIONS, ResourceAreas) is behind us
    sandbox = azureml_sandbox.control
    seeded = sandbox.seed(pipelines=1000, release_definitions=200, runs_per_pipeline=3)
    assert seeded["runs"] == 3000
    since, first = sandbox.last_seq(), len(exchanges)
    card = await ml_bot.ask("digest now")
    calls = devops_calls(sandbox, since)
    assert len(calls) <= 10, [(c["path"], c["query"]) for c in calls]
    assert not any(c["path"].lower().rstrip("/").endswith(("/runs", "/builds/latest")) for c in calls)
    for exchange in exchanges[first:]:  # the fidelity check reads a sample of each big page (all of it is slow)
        if isinstance(exchange.body, dict) and isinstance(exchange.body.get("value"), list):
            exchange.body["value"] = exchange.body["value"][:25]
    text = text_of(card)
    assert "YAML pipelines 1001 · 1000 finished in the period, 143 failed, 86% succeeded" in text
    assert "Failures since the previous digest** (159)" in text and "more failures" in text
    assert "more pipelines" in text and card_bytes(card) <= 25 * 1024  # summarised, not cut
