"""YAML pipelines and their environment approvals through the HTTP harness against the sandbox, and "Approve all"
for a release or a run: only the assigned approver decides, exactly one decision, decided-elsewhere, every attempt
audited, each approval of an "Approve all" decided and reported separately, the model gate never overridden by it.

Seed: YAML pipeline 1 `tinyyolo-edge-deploy`; run 101 succeeded (Carol approved edge-production), run 102 waits for
Carol on edge-production (requested by Bob, who may not approve it). Azure DevOps lets only the approver's own
identity decide a YAML approval, so the tests that decide one run the bot with Carol's token (standing in for her
per-user sign-in); with the bot's own identity (Alice's PAT, the default) the service refuses and the card says so."""

from __future__ import annotations

import asyncio

import pytest

from cards import verbs
from tests.azureml.conftest import services_of
from tests.harness.cards import assert_valid_card, card_actions, card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (cards once the work is done)

APPROVALS = "37794717-f36f-4d78-b2bf-4dc30d0cfbcd"
RUN = 102


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


def run_approvals(sandbox, state: str = "all") -> list[dict]:
    """The sandbox's YAML approvals, as its API answers them (with steps)."""
    client = sandbox.control.connection().clients_v7_1.get_pipelines_client()
    response = client._send(http_method="GET", location_id=APPROVALS, version="7.1-preview.1",
                            route_values={"project": "College"}, query_parameters={"state": state,
                                                                                   "$expand": "steps"})
    return response.json()["value"]


def run_approval(sandbox, approval_id: str) -> dict:
    return next(a for a in run_approvals(sandbox) if a["id"] == approval_id)


def seeded_approval(sandbox) -> str:
    return next(a["id"] for a in run_approvals(sandbox, "pending") if a["pipeline"]["owner"]["id"] == RUN)


def patches(sandbox, since: int) -> list[dict]:
    return [r for r in sandbox.control.requests(since) if r["method"] == "PATCH" and "approvals" in r["path"].lower()]


async def cards_of(bot, text: str, who: str) -> list[dict]:
    cards = [s.card for s in await bot.say(text, who=who) if s.cards]
    for card in cards:
        assert_valid_card(card)
    return cards


@pytest.fixture
async def carol_bot(make_bot, azureml_sandbox):
    """The bot with per-user sign-in, Carol signed in (her decisions go with her own Azure DevOps token)."""
    azureml_sandbox.control.sign_in("carol")
    return await make_bot(**azureml_sandbox.env, BOT_ADMINS="")


async def test_pipelines_lists_the_newest_runs_at_a_glance(ml_bot, azureml_sandbox):
    [card] = await cards_of(ml_bot, "pipelines", "bob")
    text = text_of(card)
    assert "**tinyyolo-edge-deploy** · run 20261128.1" in text and "⏳ waiting for approval by Carol Approver" in text
    assert "run 20261125.1" in text and "✅ succeeded" in text
    assert text.index("20261128.1") < text.index("20261125.1")  # newest first
    links = [a["url"] for a in card_actions(card) if a["type"] == "Action.OpenUrl"]
    assert any(url.endswith("/College/_build/results?buildId=102") for url in links)


async def test_pipelines_shows_an_approved_run_deploying_then_done(carol_bot, azureml_sandbox):
    card = (await cards_of(carol_bot, "approvals", "carol"))[-1]
    _status, decided = await carol_bot.click_action(card_actions(card)[0], who="carol")
    assert "Approved" in text_of(decided)
    [card] = await cards_of(carol_bot, "pipelines", "carol")
    assert "waiting for approval" not in text_of(card) and "🔄 inProgress" in text_of(card)
    azureml_sandbox.control.advance_clock(61)
    [card] = await cards_of(carol_bot, "pipelines", "carol")
    assert "waiting" not in text_of(card) and "🔄" not in text_of(card)


async def test_carol_sees_the_yaml_approval_and_approves_it_with_a_comment(carol_bot, azureml_sandbox):
    cards = await cards_of(carol_bot, "approvals", "carol")
    assert [c for c in cards if "Approve Prod of Release-2?" in text_of(c)]  # the classic one too, older first
    card = cards[-1]
    text = text_of(card)
    assert "Approve tinyyolo-edge-deploy run 20261128.1?" in text and "Check the model's test results" in text
    assert "May not approve Bob Builder" in text and "requested 5 h ago" in text
    approve = next(a for a in card_actions(card) if a["title"] == "Approve")
    assert approve["verb"] == verbs.RUN_APPROVAL_DECIDE
    since = azureml_sandbox.control.last_seq()
    status, decided = await carol_bot.click(verbs.RUN_APPROVAL_DECIDE, {
        **approve["data"], "comment": "Model 2 checked on the staging box."}, who="carol")
    assert status == 200 and "✅ Approved: tinyyolo-edge-deploy run 20261128.1" in text_of(decided)
    assert "approved by Carol Approver" in text_of(decided) and "through College Bot" not in text_of(decided)
    assert len(patches(azureml_sandbox, since)) == 1
    found = run_approval(azureml_sandbox, approve["data"]["approval"])
    step = found["steps"][0]
    assert found["status"] == "approved" and step["actualApprover"]["displayName"] == "Carol Approver"
    assert step["comment"] == "Model 2 checked on the staging box. (decided in Microsoft Teams)"
    entries = await services_of(carol_bot).audit.latest(10)
    assert any(e.action == "approval.approved" and e.outcome == "ok" and "pipeline approval" in e.target
               for e in entries)
    assert "Nothing waits" not in text_of((await cards_of(carol_bot, "approvals", "carol"))[0])  # Release-2 still
    assert not [c for c in await cards_of(carol_bot, "approvals", "carol") if "20261128.1?" in text_of(c)]


async def test_an_admin_sees_every_approval_classic_and_yaml_oldest_first(make_bot, azureml_sandbox):
    from tests.harness.people import person

    bot = await make_bot(**azureml_sandbox.env, BOT_ADMINS=person("alice").aad_object_id)
    titles = [card_texts(c)[0] for c in await cards_of(bot, "approvals", "alice")]
    assert titles == ["Approve Prod of Release-2?", "Approve tinyyolo-edge-deploy run 20261128.1?",
                      "Approve QA of Release-3?"]  # requested 26 h, 5 h and 3 h ago
    assert not [t for t in titles if t.startswith("Approve all")]  # none is hers


async def test_others_are_refused_and_nothing_is_sent(carol_bot, azureml_sandbox):
    approval_id = seeded_approval(azureml_sandbox)
    assert not [c for c in await cards_of(carol_bot, "approvals", "bob") if "20261128.1" in text_of(c)]
    since = azureml_sandbox.control.last_seq()
    for who in ("bob", "dave", "alice"):  # the requester, another approver, an admin: none is Carol
        status, refused = await carol_bot.click(verbs.RUN_APPROVAL_DECIDE, {
            "approval": approval_id, "run": RUN, "decision": "approved"}, who=who)
        assert status == 200 and "Only Carol Approver may decide this approval" in text_of(refused)
    assert patches(azureml_sandbox, since) == [] and run_approval(azureml_sandbox, approval_id)["status"] == "pending"
    entries = await services_of(carol_bot).audit.latest(10)
    assert sum(e.outcome == "refused" and e.action == "approval.approved" for e in entries) == 3


async def test_double_and_simultaneous_clicks_give_exactly_one_decision(carol_bot, azureml_sandbox):
    click = {"approval": seeded_approval(azureml_sandbox), "run": RUN, "decision": "approved"}
    since = azureml_sandbox.control.last_seq()
    answers = await asyncio.gather(*(carol_bot.click(verbs.RUN_APPROVAL_DECIDE, click, who="carol")
                                     for _ in range(4)))
    assert len(patches(azureml_sandbox, since)) == 1
    texts = [text_of(card) for _, card in answers]
    assert sum("Already decided" in t for t in texts) == 3 and all("Approved" in t for t in texts)


async def test_an_approval_decided_in_the_portal_makes_the_card_say_so(carol_bot, azureml_sandbox):
    approval_id = seeded_approval(azureml_sandbox)
    client = azureml_sandbox.control.connection_as("carol").clients_v7_1.get_pipelines_client()
    client._send(http_method="PATCH", location_id=APPROVALS, version="7.1-preview.1",
                 route_values={"project": "College"},
                 content=[{"approvalId": approval_id, "status": "rejected", "comment": "Not this week."}])
    since = azureml_sandbox.control.last_seq()
    _status, card = await carol_bot.click(verbs.RUN_APPROVAL_DECIDE, {"approval": approval_id, "run": RUN,
                                                                      "decision": "approved"}, who="carol")
    text = text_of(card)
    assert "Already decided: rejected by Carol Approver" in text and "Not this week." in text
    assert patches(azureml_sandbox, since) == []


async def test_with_the_bots_own_identity_azure_devops_refuses_and_the_card_says_what_to_do(ml_bot,
                                                                                           azureml_sandbox):
    approval_id = seeded_approval(azureml_sandbox)
    since = azureml_sandbox.control.last_seq()
    _status, card = await ml_bot.click(verbs.RUN_APPROVAL_DECIDE, {"approval": approval_id, "run": RUN,
                                                                   "decision": "approved"}, who="carol")
    text = text_of(card)
    assert "Azure DevOps lets only Carol Approver decide this pipeline approval" in text and "sign-in" in text
    assert [r["status"] for r in patches(azureml_sandbox, since)] == [403]
    assert run_approval(azureml_sandbox, approval_id)["status"] == "pending"
    entries = await services_of(ml_bot).audit.latest(10)
    assert any(e.outcome == "failed" and "pipeline approval" in e.target for e in entries)


async def test_a_lost_answer_to_the_decision_is_not_a_second_decision(carol_bot, azureml_sandbox):
    approval_id = seeded_approval(azureml_sandbox)
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="pipelines/approvals", status=503, phase="after")
    since = azureml_sandbox.control.last_seq()
    _status, card = await carol_bot.click(verbs.RUN_APPROVAL_DECIDE, {"approval": approval_id, "run": RUN,
                                                                      "decision": "approved"}, who="carol")
    azureml_sandbox.control.clear_faults()
    assert len(patches(azureml_sandbox, since)) == 1 and run_approval(azureml_sandbox, approval_id)["status"] == \
        "approved"
    assert "Approved" in text_of(card)


# ---- approve all -------------------------------------------------------------------------------------------------
def approve_all_of(cards: list[dict]) -> dict:
    return next(a for c in cards for a in card_actions(c) if a.get("verb") == verbs.APPROVALS_APPROVE_ALL)


async def test_approve_all_for_a_run_decides_and_reports_each(carol_bot, azureml_sandbox):
    second = azureml_sandbox.control.pending_approval("carol", run_id=RUN, environment="edge-staging")["approval_id"]
    cards = await cards_of(carol_bot, "approvals", "carol")
    action = approve_all_of(cards)
    assert action["title"] == "Approve all 2" and action["data"]["run"] == RUN and second in action["data"]["approvals"]
    assert "2 approvals of tinyyolo-edge-deploy run 20261128.1 wait for you" in text_of(cards[-1])
    since = azureml_sandbox.control.last_seq()
    status, result = await carol_bot.click(action["verb"], {**action["data"], "comment": "Both rings."}, who="carol")
    assert status == 200 and "2 of 2 approved" in text_of(result)
    assert len(patches(azureml_sandbox, since)) == 2  # one decision each
    assert all(run_approval(azureml_sandbox, i)["status"] == "approved" for i in action["data"]["approvals"])
    assert all("Both rings." in run_approval(azureml_sandbox, i)["steps"][0]["comment"]
               for i in action["data"]["approvals"])


async def test_approve_all_clicked_twice_with_a_card_click_between_decides_each_once(carol_bot, azureml_sandbox):
    azureml_sandbox.control.pending_approval("carol", run_id=RUN, environment="edge-staging")
    cards = await cards_of(carol_bot, "approvals", "carol")
    action, single = approve_all_of(cards), card_actions(cards[-2])[0]
    assert single["verb"] == verbs.RUN_APPROVAL_DECIDE and single["data"]["approval"] in action["data"]["approvals"]
    since = azureml_sandbox.control.last_seq()
    answers = await asyncio.gather(carol_bot.click(action["verb"], action["data"], who="carol"),
                                   carol_bot.click_action(single, who="carol"),
                                   carol_bot.click(action["verb"], action["data"], who="carol"))
    assert len(patches(azureml_sandbox, since)) == 2  # one per approval, whatever the clicks
    results = [text_of(card) for _, card in (answers[0], answers[2])]
    assert sum(t.count("approved by Carol Approver") + t.count(") approved") for t in results) == 4
    assert all(a["status"] == "approved" for a in run_approvals(azureml_sandbox))


async def test_approve_all_for_a_release_reports_one_decided_elsewhere(ml_bot, azureml_sandbox):
    from azure.devops.v7_1.release.models import ReleaseApproval

    extra = azureml_sandbox.control.pending_approval("carol", release_id=2, stage="Prod")["approval_id"]
    cards = await cards_of(ml_bot, "approvals", "carol")
    action = approve_all_of(cards)
    assert action["title"] == "Approve all 2" and action["data"] == {"kind": "release", "release": 2,
                                                                     "approvals": [3, extra]}
    release = azureml_sandbox.control.connection_as("carol").clients_v7_1.get_release_client()
    release.update_release_approval(ReleaseApproval(status="approved", comments="In the portal."), "College", 3)
    since = azureml_sandbox.control.last_seq()
    _status, result = await ml_bot.click(action["verb"], action["data"], who="carol")
    text = text_of(result)
    assert "Prod (approval 3) already approved by Carol Approver" in text
    assert f"Prod (approval {extra}) approved" in text and "1 of 2 approved" in text
    assert len(patches(azureml_sandbox, since)) == 1


async def test_approve_all_never_overrides_the_model_gate(ml_bot, azureml_sandbox):
    extra = azureml_sandbox.control.pending_approval("dave", release_id=3, stage="QA")["approval_id"]
    action = approve_all_of(await cards_of(ml_bot, "approvals", "dave"))
    since = azureml_sandbox.control.last_seq()
    _status, result = await ml_bot.click(action["verb"], {**action["data"], "override": "yes",
                                                          "reason": "hurry"}, who="dave")
    text = text_of(result)
    assert "0 of 2 approved" in text and text.count("needs its own card, with the override and a reason") == 2
    assert patches(azureml_sandbox, since) == [] and extra in action["data"]["approvals"]
    entries = await services_of(ml_bot).audit.latest(10)
    assert sum(e.detail == "model gate" for e in entries) == 2


async def test_approve_all_by_someone_else_is_refused_for_each(ml_bot, azureml_sandbox):
    azureml_sandbox.control.pending_approval("carol", release_id=2, stage="Prod")
    action = approve_all_of(await cards_of(ml_bot, "approvals", "carol"))
    assert not [c for c in await cards_of(ml_bot, "approvals", "bob")
                for a in card_actions(c) if a.get("verb") == verbs.APPROVALS_APPROVE_ALL]
    since = azureml_sandbox.control.last_seq()
    _status, result = await ml_bot.click(action["verb"], action["data"], who="bob")
    assert text_of(result).count("refused: Only Carol Approver may decide this approval") == 2
    assert patches(azureml_sandbox, since) == []


# ---- the version the stage before shipped ------------------------------------------------------------------------
async def test_a_release_approval_card_shows_the_version_against_the_stage_before(ml_bot, azureml_sandbox):
    cards = await cards_of(ml_bot, "approvals", "carol")
    carol = next(c for c in cards if "Approve Prod of Release-2?" in text_of(c))
    assert "Change version 2, the same as in QA (Release-2)" in text_of(carol)
    from azure.devops.v7_1.release.models import ReleaseEnvironmentUpdateMetadata

    release = azureml_sandbox.control.connection().clients_v7_1.get_release_client()
    dev = next(e for e in release.get_release("College", 3).environments if e.name == "Dev")
    release.update_release_environment(ReleaseEnvironmentUpdateMetadata(status="inProgress"), "College", 3, dev.id)
    [dave] = [c for c in await cards_of(ml_bot, "approvals", "dave") if "Release-3" in text_of(c)]
    assert "Change version 3, was 2 in Dev (Release-2)" in text_of(dave)  # Dev of Release-3 is deploying again
