"""Approval cards through the HTTP harness against the sandbox's releases: only the assigned approver decides,
exactly one decision, decided-elsewhere, the model-quality gate, a lost answer, every attempt audited.

Seed: approval 3 waits for Carol (Prod of Release-2, ships TinyYOLO 2, which passes its check); approval 4 waits
for Dave (QA of Release-3, ships TinyYOLO 3, which fails its check)."""

from __future__ import annotations

import asyncio

from cards import verbs
from tests.azureml.conftest import services_of
from tests.harness.cards import card_actions, card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (cards once the work is done)

CAROL_APPROVAL = {"approval": 3, "release": 2}
DAVE_APPROVAL = {"approval": 4, "release": 3}


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


def approval(sandbox, approval_id: int):
    release = sandbox.control.connection().clients_v7_1.get_release_client()
    return next(a for a in release.get_approvals("College", status_filter="undefined", top=100)
                if a.id == approval_id)


def patches(sandbox, since: int) -> list[dict]:
    return [r for r in sandbox.control.requests(since) if r["method"] == "PATCH" and "approvals" in r["path"].lower()]


async def test_carol_sees_her_approval_and_approves_it_with_a_comment(ml_bot, azureml_sandbox):
    sent = await ml_bot.say("approvals", who="carol")  # her release approval, then her YAML one (the newer)
    card = next(s.card for s in sent if s.cards and "Release-2" in text_of(s.card))
    text = text_of(card)
    assert "Approve Prod of Release-2?" in text and "TinyYOLO version 2: ✅ passes its test data" in text
    release = azureml_sandbox.control.connection().clients_v7_1.get_release_client().get_release("College", 2)
    assert f"h ago in a release {release.created_by.display_name} started" in text  # requested when, by whom
    assert "Approve anyway" not in {a["title"] for a in card_actions(card)}
    status, decided = await ml_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved",
                                                                   "comment": "Looks good on the edge box."},
                                         who="carol")
    assert status == 200 and "Approved: Prod of Release-2" in text_of(decided) and "Carol Approver" in text_of(decided)
    found = approval(azureml_sandbox, 3)
    assert found.status == "approved"
    assert "Approved in Microsoft Teams by Carol Approver" in found.comments and "Looks good" in found.comments
    entries = await services_of(ml_bot).audit.latest(10)
    assert any(e.action == "approval.approved" and e.outcome == "ok" and e.actor_name == "Carol Approver"
               for e in entries)


async def test_someone_else_is_refused_and_nothing_is_sent(ml_bot, azureml_sandbox):
    assert "Nothing waits for you" in text_of(await ml_bot.ask("approvals", who="bob"))
    since = azureml_sandbox.control.last_seq()
    for who in ("bob", "dave", "alice"):  # a member, another approver, an admin: none is Carol
        status, refused = await ml_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"},
                                             who=who)
        assert status == 200 and "Only Carol Approver may decide this approval" in text_of(refused)
    assert patches(azureml_sandbox, since) == [] and approval(azureml_sandbox, 3).status == "pending"
    entries = await services_of(ml_bot).audit.latest(10)
    assert sum(e.outcome == "refused" and e.action == "approval.approved" for e in entries) == 3


async def test_double_and_simultaneous_clicks_give_exactly_one_decision(ml_bot, azureml_sandbox):
    since = azureml_sandbox.control.last_seq()
    click = {**CAROL_APPROVAL, "decision": "approved"}
    answers = await asyncio.gather(*(ml_bot.click(verbs.APPROVAL_DECIDE, click, who="carol") for _ in range(4)))
    assert len(patches(azureml_sandbox, since)) == 1
    texts = [text_of(card) for _, card in answers]
    assert sum("Already decided" in t for t in texts) == 3 and all("Approved" in t for t in texts)


async def test_an_approval_decided_in_the_portal_makes_the_card_say_so(ml_bot, azureml_sandbox):
    from azure.devops.v7_1.release.models import ReleaseApproval

    release = azureml_sandbox.control.connection_as("carol").clients_v7_1.get_release_client()
    release.update_release_approval(ReleaseApproval(status="rejected", comments="Not this week."), "College", 3)
    _status, card = await ml_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"}, who="carol")
    text = text_of(card)
    assert "Already decided: rejected by Carol Approver" in text and "Not this week." in text


async def test_the_gate_asks_for_an_override_and_a_reason_before_a_failing_model_ships(ml_bot, azureml_sandbox):
    card = await ml_bot.ask("approvals", who="dave")
    text = text_of(card)
    assert "TinyYOLO version 3: ❌ fails its test data" in text and "tick the override" in text
    assert "Approve anyway" in {a["title"] for a in card_actions(card)}
    since = azureml_sandbox.control.last_seq()
    status, again = await ml_bot.click(verbs.APPROVAL_DECIDE, {**DAVE_APPROVAL, "decision": "approved"}, who="dave")
    assert status == 200 and "Not approved: the model does not pass its check" in text_of(again)
    status, again = await ml_bot.click(verbs.APPROVAL_DECIDE, {**DAVE_APPROVAL, "decision": "approved",
                                                                 "override": "yes", "reason": ""}, who="dave")
    assert "Not approved" in text_of(again) and patches(azureml_sandbox, since) == []
    status, decided = await ml_bot.click(verbs.APPROVAL_DECIDE, {
        **DAVE_APPROVAL, "decision": "approved", "override": "yes",
        "reason": "The camera team accepts the drift for the demo."}, who="dave")
    assert "Approved: QA of Release-3" in text_of(decided)
    assert "Model check overridden: The camera team accepts the drift" in approval(azureml_sandbox, 4).comments
    entries = await services_of(ml_bot).audit.latest(10)
    assert any(e.detail.startswith("override: The camera team") for e in entries)


async def test_reject_is_always_plain(ml_bot, azureml_sandbox):
    _status, decided = await ml_bot.click(verbs.APPROVAL_DECIDE, {**DAVE_APPROVAL, "decision": "rejected",
                                                                   "comment": "Fix the drift first."}, who="dave")
    assert "Rejected: QA of Release-3" in text_of(decided) and approval(azureml_sandbox, 4).status == "rejected"


async def test_a_lost_answer_to_the_decision_is_not_a_second_decision(ml_bot, azureml_sandbox):
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="approvals", status=503, phase="after")
    since = azureml_sandbox.control.last_seq()
    _status, card = await ml_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"}, who="carol")
    azureml_sandbox.control.clear_faults()
    assert len(patches(azureml_sandbox, since)) == 1 and approval(azureml_sandbox, 3).status == "approved"
    assert "Approved" in text_of(card)


async def test_a_throttled_decision_is_sent_again_after_retry_after(ml_bot, azureml_sandbox):
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="approvals", status=429, retry_after=1, count=1)
    since = azureml_sandbox.control.last_seq()
    _status, card = await ml_bot.click(verbs.APPROVAL_DECIDE, {**CAROL_APPROVAL, "decision": "approved"}, who="carol")
    assert [r["status"] for r in patches(azureml_sandbox, since)] == [429, 200]
    assert "Approved" in text_of(card) and approval(azureml_sandbox, 3).status == "approved"


async def test_simultaneous_clicks_on_two_instances_sharing_the_store_give_one_decision(ml_bot, make_bot,
                                                                                      azureml_sandbox):
    """Two bot processes behind Teams' load balancer share one store (here one SQLite file): the store's lease
    makes a click on one instance wait for the other's decision, then find it decided."""
    other = await make_bot(**{**azureml_sandbox.env, "OAUTH_CONNECTION_NAME": ""}, BOT_ADMINS="")  # same STORE_URL
    # a slow PATCH: without the shared lease, the other instance reads "pending" meanwhile and decides too
    azureml_sandbox.control.add_fault(method="PATCH", path_regex="approvals", delay_ms=800)
    since = azureml_sandbox.control.last_seq()
    click = {**CAROL_APPROVAL, "decision": "approved"}
    answers = await asyncio.gather(*(bot.click(verbs.APPROVAL_DECIDE, click, who="carol")
                                     for bot in (ml_bot, other, ml_bot, other)))
    assert len(patches(azureml_sandbox, since)) == 1
    texts = [text_of(card) for _, card in answers]
    assert sum("Already decided" in t for t in texts) == 3 and all("Approved" in t for t in texts)
