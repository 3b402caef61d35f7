"""Digests through the HTTP harness against the sandbox: digest now (content, sections left out, the call budget at
scale, a card too big summarised), the schedule commands and who may use them, schedules across a restart, a
digest missed while the bot was down (within the grace period and beyond it), delivery with 429 then success, and
403 pausing the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest_times import next_due, recurrence
from bot.store import DigestSchedule
from cards.digest import card_bytes
from tests.azureml.conftest import services_of
from tests.harness.cards import card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (cards once the work is done)

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
    assert "**TinyYOLO 3** · registered by Bob Builder" in text and "fails its test data" in text  # checked
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


# ---- schedules ------------------------------------------------------------------------------------------------------
def runtime_of(teams):
    from app import RUNTIME

    return teams.http.app[RUNTIME]


def digests_to(teams, conversation_id: str) -> list:
    return [s for s in teams.connector.sent if s.conversation_id == conversation_id and s.cards
            and s.card["body"][0].get("text") == "Digest"]


async def second_bot(make_bot, azureml_sandbox):
    return await make_bot(**{**azureml_sandbox.env, "OAUTH_CONNECTION_NAME": ""}, BOT_ADMINS="")


async def test_schedule_commands_and_who_may_use_them(ml_bot, azureml_sandbox):
    text = text_of(await ml_bot.ask("digest daily 08:30 Europe/Berlin", who="bob"))  # his own chat: anyone
    assert "Digest scheduled" in text and "every day at 08:30 (Europe/Berlin)" in text and "Next digest" in text
    assert "every day at 08:30 (Europe/Berlin)" in text_of(await ml_bot.ask("digest status", who="bob"))
    refused = text_of(await ml_bot.ask("digest weekdays 09:00", who="bob", at="channel"))
    assert "Only the team's admins" in refused
    assert "No scheduled digest" in text_of(await ml_bot.ask("digest", who="bob", at="channel"))
    text = text_of(await ml_bot.ask("digest weekdays 9:05 America/New_York", who="alice", at="channel"))
    assert "Monday to Friday at 09:05 (America/New_York)" in text
    assert "Only the team's admins" in text_of(await ml_bot.ask("digest off", who="bob", at="channel"))
    assert "Digest stopped" in text_of(await ml_bot.ask("digest off", who="alice", at="channel"))
    assert "No scheduled digest" in text_of(await ml_bot.ask("digest status", who="alice", at="channel"))
    for typed in ("digest daily 25:00", "digest daily 08:00 Mars/Olympus_Mons", "digest daily"):
        assert "digest daily 08:30 Europe/Berlin" in text_of(await ml_bot.ask(typed, who="bob"))
    entries = await services_of(ml_bot).audit.latest(10)
    assert [e.outcome for e in entries if e.action.startswith("digest.")][:4] == ["ok", "refused", "ok", "refused"]


async def test_a_schedule_survives_a_restart(ml_bot, make_bot, azureml_sandbox):
    await ml_bot.ask("digest weekdays 07:15 Europe/Berlin", who="bob")
    await runtime_of(ml_bot).close()  # the bot stops
    again = await second_bot(make_bot, azureml_sandbox)  # the same STORE_URL
    assert "Monday to Friday at 07:15 (Europe/Berlin)" in text_of(await again.ask("digest status", who="bob"))


async def _missed(ml_bot, make_bot, azureml_sandbox, hours_ago: float):
    """A daily schedule made two days ago whose due time was ``hours_ago`` hours ago, while the bot was down."""
    await ml_bot.ask("digest status", who="bob")  # the bot knows the conversation (its reference is stored)
    now = datetime.now(UTC)
    at = (now - timedelta(hours=hours_ago)).strftime("%H:%M")
    store = services_of(ml_bot).store
    await store.put_schedule(DigestSchedule("a:personal-bob", "daily", at, "UTC", "bob", now - timedelta(days=2)))
    await runtime_of(ml_bot).close()
    again = await second_bot(make_bot, azureml_sandbox)
    await runtime_of(again).scheduler.first_tick()
    return again


async def test_a_digest_missed_while_down_is_sent_once_at_start_within_the_grace_period(ml_bot, make_bot,
                                                                                         azureml_sandbox):
    again = await _missed(ml_bot, make_bot, azureml_sandbox, hours_ago=1)
    assert len(digests_to(again, "a:personal-bob")) == 1
    assert await runtime_of(again).scheduler.tick() == []  # that due time is done
    assert len(digests_to(again, "a:personal-bob")) == 1
    assert "Last digest" in text_of(await again.ask("digest status", who="bob"))


async def test_a_digest_missed_beyond_the_grace_period_is_skipped(ml_bot, make_bot, azureml_sandbox):
    again = await _missed(ml_bot, make_bot, azureml_sandbox, hours_ago=7)
    assert digests_to(again, "a:personal-bob") == []
    assert "none yet" in text_of(await again.ask("digest status", who="bob"))


async def _scheduled(bot, who: str) -> datetime:
    """Bob's (or Carol's) daily 06:00 UTC schedule; returns a moment a minute after its next due time."""
    await bot.ask("digest daily 06:00", who=who)
    schedule = await services_of(bot).store.get_schedule(f"a:personal-{who}")
    return next_due(recurrence("daily", "06:00", "UTC"), schedule.created_at) + timedelta(minutes=1)


async def test_a_throttled_digest_is_sent_after_retry_after(ml_bot, azureml_sandbox):
    when = await _scheduled(ml_bot, "bob")
    ml_bot.connector.fail_next = [429]
    [(conversation, outcome)] = await runtime_of(ml_bot).scheduler.tick(when)
    assert conversation == "a:personal-bob" and outcome.sent and ml_bot.connector.refused == 1
    assert len(digests_to(ml_bot, "a:personal-bob")) == 1
    assert await runtime_of(ml_bot).scheduler.tick(when + timedelta(minutes=5)) == []  # once per due time


async def test_a_conversation_that_removed_the_bot_is_paused_and_others_still_get_theirs(ml_bot, azureml_sandbox):
    when = await _scheduled(ml_bot, "bob")
    await _scheduled(ml_bot, "carol")
    store = services_of(ml_bot).store
    carol = await store.get_schedule("a:personal-carol")  # and a chat the bot was uninstalled from
    await store.put_schedule(DigestSchedule("a:personal-gone", "daily", "06:00", "UTC", "x", carol.created_at))
    ml_bot.connector.refuse["a:personal-bob"] = 403
    since = azureml_sandbox.control.last_seq()
    outcomes = dict(await runtime_of(ml_bot).scheduler.tick(when))
    assert outcomes["a:personal-bob"].result == "gone" and outcomes["a:personal-carol"].sent
    assert outcomes["a:personal-gone"].result == "unreachable"
    assert "uninstalled" in (await store.get_schedule("a:personal-gone")).paused
    assert len(devops_calls(azureml_sandbox.control, since)) <= 10  # the three due together share one read
    assert len(digests_to(ml_bot, "a:personal-carol")) == 1 and digests_to(ml_bot, "a:personal-bob") == []
    schedule = await services_of(ml_bot).store.get_schedule("a:personal-bob")
    assert schedule.paused and "403" in schedule.paused
    assert await runtime_of(ml_bot).scheduler.tick(when + timedelta(days=1)) != []  # Carol's next one only
    del ml_bot.connector.refuse["a:personal-bob"]  # the bot is back in Bob's chat
    text = text_of(await ml_bot.ask("digest status", who="bob"))
    assert "paused since" in text and "removed from this conversation" in text and "set the schedule again" in text
    assert "Next digest" in text_of(await ml_bot.ask("digest daily 06:00", who="bob"))  # resumed


async def test_a_list_azure_devops_refuses_is_named_and_the_rest_still_shows(ml_bot, azureml_sandbox):
    azureml_sandbox.control.add_fault(path_regex="_apis/Release/approvals", method="GET", status=403)
    text = text_of(await ml_bot.ask("digest now"))
    assert "Not read this time: release approvals" in text
    assert "**Release-3**" in text and "tinyyolo-edge-deploy run 20261128.1" in text  # the other lists
    azureml_sandbox.control.clear_faults()  # (else the approvals' 403 may be the first refusal to come back)
    azureml_sandbox.control.add_fault(path_regex="_apis/", status=401)  # nothing can be read: the error card
    refused = await ml_bot.ask("digest now")
    assert "status 401" in text_of(refused) and "Next step" in text_of(refused) and "Digest" not in text_of(refused)
