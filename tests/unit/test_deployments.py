"""The pure parts of deploy/redeploy: how a release and a stage are named, which of the two commands fits a stage,
how a stage's run reads from the SDK's ReleaseEnvironment (a failed deployment vs a rejected approval), and the
follow card in every state, each valid Adaptive Card 1.5."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace as NS

import pytest

from bot.errors import NotFound
from bot.services.devops.deployments import StageRun, deploy_problem, find_stage, release_number, stage_run_from_model
from bot.services.devops.model import Approval, Release, ShippedArtifact, Stage
from cards.deploy import deploy_question, deployment_card, duration_words, requester_note
from tests.harness.cards import assert_valid_card, card_texts

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
RELEASE = Release(id=3, name="Release-3", definition="TinyYOLO to IoT Edge", status="active",
                  stages=(Stage(31, "Dev", "succeeded"), Stage(32, "QA", "queued"), Stage(33, "Prod", "notStarted")),
                  artifacts=(ShippedArtifact("_TinyYOLO", "AzureML", "3", "TinyYOLO"),
                             ShippedArtifact("_edge", "GitHub", "c0ffee")),
                  web_url="https://dev.azure.com/org/College/_releaseProgress?releaseId=3")


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


@pytest.mark.parametrize(("typed", "number"), [("3", 3), ("Release-3", 3), ("release-12", 12), ("#3", 3),
                                               ("RELEASE3", 3), ("soon", None), ("-3", None), ("", None),
                                               ("3.5", None), ("9" * 12, None)])
def test_a_release_is_named_by_its_number_in_any_of_three_ways(typed, number):
    assert release_number(typed) == number


def test_a_stage_is_found_by_name_in_any_case_and_an_unknown_one_lists_them():
    assert find_stage(RELEASE, "prod").id == 33 and find_stage(RELEASE, " QA ").id == 32
    with pytest.raises(NotFound) as raised:
        find_stage(RELEASE, "Staging")
    assert "Its stages: Dev, QA, Prod." in raised.value.message and "deploy 3 Prod" in raised.value.next_step


def run(status: str, **kw) -> StageRun:
    return StageRun(release_id=3, release_name="Release-3", stage_id=33, stage="Prod", status=status, **kw)


@pytest.mark.parametrize(("status", "redeploy", "title"), [
    ("notStarted", False, None), ("scheduled", False, None), ("notStarted", True, "Use deploy"),
    ("succeeded", True, None), ("rejected", True, None), ("canceled", True, None), ("partiallySucceeded", True, None),
    ("succeeded", False, "Use redeploy"), ("queued", False, "Already running"), ("inProgress", True, "Already running"),
    ("undefined", False, "Cannot deploy now")])
def test_deploy_is_for_a_stage_that_never_ran_and_redeploy_for_one_that_ended(status, redeploy, title):
    problem = deploy_problem(run(status), redeploy=redeploy)
    assert (problem[0] if problem else None) == title


@pytest.mark.parametrize("release_status", ["abandoned", "draft"])
def test_only_an_active_release_deploys(release_status):
    problem = deploy_problem(run("notStarted"), redeploy=False, release_status=release_status)
    assert problem is not None and problem[1] == f"Release-3 is {release_status}: only an active release can be " \
        "deployed."


def environment(status: str, attempt_status: str, approvals: list | None = None) -> NS:
    step = NS(attempt=2, status=attempt_status, queued_on=T0, last_modified_on=T0 + timedelta(seconds=75),
              release_deploy_phases=[NS(status="x", started_on=T0 + timedelta(seconds=12))])
    old = NS(attempt=1, status="failed", queued_on=T0 - timedelta(days=1), last_modified_on=None,
             release_deploy_phases=[])
    return NS(id=32, name="QA", status=status, release_id=3, release=NS(id=3, name="Release-3"),
              release_definition=NS(name="TinyYOLO to IoT Edge"), deploy_steps=[step, old],
              pre_deploy_approvals=approvals or [], modified_on=None)


def approval(approval_id: int, status: str, attempt: int, comments: str = "") -> NS:
    dave = NS(display_name="Dave Datascientist", id="d", descriptor="aad.d", is_container=False)
    return NS(id=approval_id, status=status, attempt=attempt, is_automated=False, approver=dave,
              approved_by=dave if status != "pending" else None, comments=comments, created_on=T0, modified_on=T0,
              release=None, release_environment=None, release_definition=None)


def test_a_failed_deployment_and_a_rejected_approval_both_leave_the_stage_rejected_and_read_apart():
    failed = stage_run_from_model(environment("rejected", "failed"))
    assert (failed.attempt, failed.outcome, failed.duration_s) == (2, "failed", 75.0)
    assert failed.started_on == T0 + timedelta(seconds=12)
    said_no = stage_run_from_model(environment("rejected", "notDeployed", [approval(7, "rejected", 2, "No.")]))
    assert said_no.outcome == "rejected" and [a.approved_by for a in said_no.decided] == ["Dave Datascientist"]
    assert said_no.decided[0].stage == "QA" and said_no.decided[0].release_id == 3


def test_only_the_newest_attempts_pending_approvals_are_waited_for():
    waiting = stage_run_from_model(environment("queued", "notDeployed", [approval(4, "pending", 1),
                                                                         approval(9, "pending", 2)]))
    assert [a.id for a in waiting.waiting] == [9] and waiting.running and not waiting.ended
    assert waiting.outcome == "" and waiting.duration_s is None


def test_the_question_lists_what_ships_with_the_verdict_and_warns_about_a_failing_model():
    title, pairs, note = deploy_question(RELEASE, "Prod", "notStarted", "", 0, redeploy=False,
                                         verdict={"verdict": "fail"}, checked=True)
    assert title == "Deploy Prod of Release-3?" and ("Stage", "Prod · not started") in pairs
    assert dict(pairs)["_TinyYOLO"].startswith("Azure ML model TinyYOLO version 3: ❌")
    assert dict(pairs)["_edge"] == "GitHub c0ffee" and "does not pass its check" in note
    title, pairs, note = deploy_question(RELEASE, "QA", "rejected", "failed", 1, redeploy=True)
    assert title == "Redeploy QA of Release-3?" and ("Stage", "QA · failed (attempt 1)") in pairs and note == ""
    assert dict(pairs)["_TinyYOLO"] == "Azure ML model TinyYOLO version 3"  # not checked: no verdict claimed


WAITING = Approval(9, "pending", "Carol Approver", created_on=T0)
REJECTED = Approval(9, "rejected", "Carol Approver", approved_by="Carol Approver", comments="Not *this* one")


@pytest.mark.parametrize(("shown", "says"), [
    (run("queued", attempt=1), "Queued: the deployment starts in a moment."),
    (run("queued", attempt=1, waiting=(WAITING,)), "⏳ Prod of Release-3 is waiting for approval"),
    (run("inProgress", attempt=1, started_on=T0), "Deploying since just now"),
    (run("succeeded", attempt=1, queued_on=T0, modified_on=T0 + timedelta(seconds=3725)), "1 h 2 min"),
    (run("partiallySucceeded", attempt=2), "⚠️ Prod of Release-3 partially succeeded"),
    (run("rejected", attempt=2, deployment="failed"), "type redeploy 3 Prod"),
    (run("rejected", attempt=2, deployment="notDeployed", decided=(REJECTED,)), "Rejected by Carol Approver: “Not"),
    (run("canceled", attempt=2), "⛔ Prod of Release-3 canceled"),
])
def test_the_follow_card_in_every_state_is_a_valid_card(shown, says):
    card = deployment_card(shown, web_url=RELEASE.web_url, now=T0 + timedelta(seconds=30))
    assert_valid_card(card)
    assert says in text_of(card)
    assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "Open in Azure DevOps", "url": RELEASE.web_url}
    assert ("updates itself" in text_of(card)) == shown.running


def test_a_stage_that_refuses_the_requester_as_approver_says_where_to_decide():
    snapshot = NS(approval_options=NS(release_creator_can_be_approver=False))
    raw = environment("queued", "notDeployed", [approval(9, "pending", 2)])
    assert stage_run_from_model(raw).requester_may_approve  # not said: assumed allowed
    raw.pre_approvals_snapshot = snapshot
    waiting = stage_run_from_model(raw)
    assert not waiting.requester_may_approve
    card = deployment_card(waiting, web_url=RELEASE.web_url, now=T0)
    assert_valid_card(card)
    assert "Dave Datascientist: approve or reject it in Azure DevOps" in text_of(card)
    assert requester_note(run("succeeded", requester_may_approve=False)) == ""  # nothing waits


def test_a_card_that_stops_following_says_why_and_where_to_look():
    card = deployment_card(run("inProgress", attempt=1), web_url="", now=T0, problem="It has run for a long time.",
                           next_to_do="Follow it in Azure DevOps.")
    assert_valid_card(card)
    text = text_of(card)
    assert "It has run for a long time." in text and "**Next step:** Follow it in Azure DevOps." in text
    assert "updates itself" not in text_of(card) and [a["type"] for a in card["actions"]] == ["Action.Execute"]


@pytest.mark.parametrize(("seconds", "words"), [(None, ""), (0.4, "0 s"), (59, "59 s"), (60, "1 min"),
                                                (62, "1 min 2 s"), (3600, "1 h"), (7260, "2 h 1 min")])
def test_durations_read_as_people_say_them(seconds, words):
    assert duration_words(seconds) == words
