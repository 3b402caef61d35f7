"""Classic releases through the real SDK: the seed, paging, create, deploy by the clock, and the approval rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.release.models import ReleaseApproval, ReleaseEnvironmentUpdateMetadata, ReleaseStartMetadata

PEOPLE = {p["key"]: p for p in json.loads(
    (Path(__file__).resolve().parents[2] / "sandbox" / "world" / "college_team.json").read_text())["people"]}
P = "College"
DEPLOY = 62  # QUEUED_SECONDS + DEPLOY_SECONDS of sandbox/state/releases.py


def release_client(sandbox, person):
    return sandbox.connection_as(person).clients_v7_1.get_release_client()


def stages(release):
    return {e.name: e for e in release.environments}


def decide(client, approval_id, status="approved", comments=""):
    return client.update_release_approval(ReleaseApproval(status=status, comments=comments), P, approval_id)


def service_error(call) -> AzureDevOpsServiceError:
    with pytest.raises(AzureDevOpsServiceError) as caught:
        call()
    return caught.value


# ---- the seed -------------------------------------------------------------------------------------------------------
def test_seeded_releases(clients):
    listed = clients.release.get_releases(P, expand="environments,artifacts")
    assert [r.id for r in listed] == [3, 2, 1]  # newest first
    shipped = {r.id: next(a for a in r.artifacts if a.type == "AzureML").definition_reference["version"].name
               for r in listed}
    assert shipped == {1: "1", 2: "2", 3: "3"}
    status = {r.id: {n: e.status for n, e in stages(r).items()} for r in listed}
    assert status == {1: {"Dev": "succeeded", "QA": "rejected", "Prod": "notStarted"},
                      2: {"Dev": "succeeded", "QA": "succeeded", "Prod": "queued"},
                      3: {"Dev": "succeeded", "QA": "queued", "Prod": "notStarted"}}
    assert stages(listed[2])["QA"].deploy_steps[0].status == "failed"
    waiting = {a.release.id: (a.release_environment.name, a.approver.unique_name)
               for a in clients.release.get_approvals(P)}
    assert waiting == {2: ("Prod", PEOPLE["carol"]["upn"]), 3: ("QA", PEOPLE["dave"]["upn"])}
    release = clients.release.get_release(P, 2)
    assert release.created_by.unique_name == PEOPLE["bob"]["upn"]
    qa = stages(release)["QA"].pre_deploy_approvals[0]
    assert (qa.status, qa.approved_by.unique_name, qa.comments) == ("approved", PEOPLE["dave"]["upn"], "Passed QA.")


def test_list_is_shallow_and_filters(clients):
    assert clients.release.get_releases(P)[0].environments is None
    assert clients.release.get_releases(P, definition_id=99) == []
    assert [r.id for r in clients.release.get_releases(P, environment_status_filter=16)] == [1]  # rejected
    assert [r.id for r in clients.release.get_releases(P, status_filter="abandoned")] == []
    assert [r.id for r in clients.release.get_releases(P, top=1)] == [3]


def test_releases_and_approvals_page_with_the_continuation_header(clients):
    first = clients.release._send(http_method="GET", location_id="a166fde7-27ad-408e-ba75-703c2cc9d500",
                                  version="7.1-preview.8", route_values={"project": P}, query_parameters={"$top": 2})
    assert [r["id"] for r in first.json()["value"]] == [3, 2]
    token = first.headers["x-ms-continuationtoken"]
    assert [r.id for r in clients.release.get_releases(P, top=2, continuation_token=int(token))] == [1]
    page = clients.release._send(http_method="GET", location_id="b47c6458-e73b-47cb-a770-4df1e8813a91",
                                 version="7.1-preview.3", route_values={"project": P},
                                 query_parameters={"top": 1, "statusFilter": "pending"})
    assert [a["id"] for a in page.json()["value"]] == [4]
    rest = clients.release.get_approvals(P, top=1, continuation_token=int(page.headers["x-ms-continuationtoken"]))
    assert [a.id for a in rest] == [3]


def test_unknown_release_is_404(clients):
    assert service_error(lambda: clients.release.get_release(P, 999)).type_key == "ReleaseNotFoundException"


# ---- approvals ------------------------------------------------------------------------------------------------------
def test_assigned_approver_approves_and_the_stage_deploys(devops_sandbox, clients):
    carol = release_client(devops_sandbox, "carol")
    mine = carol.get_approvals(P, assigned_to_filter=PEOPLE["carol"]["upn"])
    assert [(a.id, a.release.id) for a in mine] == [(3, 2)]
    approved = decide(carol, 3, comments="Ship v2")
    assert (approved.status, approved.approved_by.unique_name, approved.comments) == (
        "approved", PEOPLE["carol"]["upn"], "Ship v2")
    assert clients.release.get_release_environment(P, 2, 23).status == "queued"
    devops_sandbox.advance_clock(3)
    running = clients.release.get_release_environment(P, 2, 23)
    assert (running.status, running.deploy_steps[-1].status) == ("inProgress", "inProgress")
    devops_sandbox.advance_clock(DEPLOY - 3)
    prod = stages(clients.release.get_release(P, 2))["Prod"]
    assert prod.status == "succeeded"
    assert prod.deploy_steps[-1].status == "succeeded"
    phase = prod.deploy_steps[-1].release_deploy_phases[0]
    assert (phase.status, prod.time_to_deploy) == ("succeeded", 1.0)
    assert phase.started_on > approved.modified_on


def test_someone_else_is_refused(devops_sandbox):
    error = service_error(lambda: decide(release_client(devops_sandbox, "bob"), 3))
    assert "VS402968" in error.message and "not authorized" in error.message
    assert error.type_key == "AccessCheckException"


def test_an_admin_with_administer_release_permissions_may_decide(devops_sandbox, clients):
    approved = decide(clients.release, 4, comments="Approved for Dave, who is away")
    assert approved.approved_by.unique_name == PEOPLE["alice"]["upn"]
    assert approved.approver.unique_name == PEOPLE["dave"]["upn"]


def test_already_decided_is_refused(devops_sandbox):
    dave = release_client(devops_sandbox, "dave")
    decide(dave, 4, "rejected", "v3 fails its check")
    error = service_error(lambda: decide(dave, 4))
    assert "not in a pending state" in error.message
    assert dave.get_approvals(P, release_ids_filter=[3]) == []  # rejected: nothing waits
    assert stages(dave.get_release(P, 3))["QA"].status == "rejected"


def test_reassigned_to_a_group_a_member_approves(devops_sandbox, clients):
    carol = release_client(devops_sandbox, "carol")
    team = clients.core.get_team(P, "College Team")
    moved = carol.update_release_approval(
        ReleaseApproval(status="reassigned", approver={"id": team.id}, comments="Anyone in the team"), P, 3)
    assert moved.status == "reassigned"
    fresh = clients.release.get_approvals(P, release_ids_filter=[2])
    assert [a.approver.display_name for a in fresh] == ["College Team"]
    erin = PEOPLE["erin"]["upn"]
    assert clients.release.get_approvals(P, assigned_to_filter=erin) == []
    assert [a.id for a in clients.release.get_approvals(P, assigned_to_filter=erin, include_my_group_approvals=True)
            ] == [fresh[0].id]
    approved = decide(release_client(devops_sandbox, "erin"), fresh[0].id)
    assert (approved.approver.display_name, approved.approved_by.unique_name) == (
        "College Team", PEOPLE["erin"]["upn"])


def test_the_requester_may_not_approve(devops_sandbox):
    dave = release_client(devops_sandbox, "dave")
    created = dave.create_release(ReleaseStartMetadata(
        definition_id=1, description="v3 again", artifacts=[
            {"alias": "_TinyYOLO", "instanceReference": {"id": "3", "name": "3"}}]), P)
    assert (created.status, created.created_by.unique_name) == ("active", PEOPLE["dave"]["upn"])
    assert {e.status for e in created.environments} == {"notStarted"}
    devops_sandbox.advance_clock(1 + DEPLOY)  # Dev starts a second after creation, then deploys
    qa = stages(dave.get_release(P, created.id))["QA"]
    assert (stages(dave.get_release(P, created.id))["Dev"].status, qa.status) == ("succeeded", "queued")
    error = service_error(lambda: decide(dave, qa.pre_deploy_approvals[0].id))
    assert "VS402923" in error.message


def test_an_unknown_identity_in_assigned_to_filter(clients):
    error = service_error(lambda: clients.release.get_approvals(P, assigned_to_filter="nobody@example.com"))
    assert "VS4029131" in error.message


def test_a_draft_release_does_not_start(devops_sandbox, clients):
    draft = clients.release.create_release(ReleaseStartMetadata(definition_id=1, is_draft=True), P)
    devops_sandbox.advance_clock(DEPLOY)
    release = clients.release.get_release(P, draft.id)
    assert (release.status, stages(release)["Dev"].status) == ("draft", "notStarted")
    shipped = next(a for a in release.artifacts if a.alias == "_TinyYOLO").definition_reference["version"].id
    assert shipped == "3"  # the newest version when none is named


def test_bad_status_and_unknown_approval(clients):
    assert "VS402960" in service_error(lambda: decide(clients.release, 3, "done")).message
    assert service_error(lambda: decide(clients.release, 999)).type_key == "ReleaseApprovalNotFoundException"


# ---- deploy and redeploy --------------------------------------------------------------------------------------------
def test_redeploy_a_failed_stage_then_it_waits_for_its_approver(devops_sandbox, clients):
    updated = clients.release.update_release_environment(
        ReleaseEnvironmentUpdateMetadata(status="inProgress", comment="again"), P, 1, 12)
    assert updated.status == "queued"
    approval = next(a for a in updated.pre_deploy_approvals if a.status == "pending")
    assert (approval.attempt, approval.approver.unique_name) == (2, PEOPLE["dave"]["upn"])
    decide(release_client(devops_sandbox, "dave"), approval.id)
    devops_sandbox.advance_clock(DEPLOY)
    release = clients.release.get_release(P, 1)
    assert [stages(release)[n].status for n in ("QA", "Prod")] == ["succeeded", "queued"]
    again = service_error(lambda: clients.release.update_release_environment(
        ReleaseEnvironmentUpdateMetadata(status="inProgress"), P, 1, 13))
    assert "VS402964" in again.message  # Prod is already waiting


def test_a_stage_told_to_fail(devops_sandbox, clients):
    devops_sandbox.deploy_outcome(2, "Prod", "failed")
    decide(release_client(devops_sandbox, "carol"), 3)
    devops_sandbox.advance_clock(DEPLOY)
    prod = stages(clients.release.get_release(P, 2))["Prod"]
    assert (prod.status, prod.deploy_steps[-1].status) == ("rejected", "failed")


def test_a_stakeholder_may_not_deploy(devops_sandbox):
    erin = release_client(devops_sandbox, "erin")
    error = service_error(lambda: erin.update_release_environment(
        ReleaseEnvironmentUpdateMetadata(status="inProgress"), P, 1, 12))
    assert "VS402904" in error.message


# ---- faults and reset -----------------------------------------------------------------------------------------------
def test_throttled_patch_then_retry(devops_sandbox):
    carol = release_client(devops_sandbox, "carol")
    devops_sandbox.add_fault(method="PATCH", path_regex="approvals/3", status=429, retry_after=0, count=1)
    error = service_error(lambda: decide(carol, 3))
    assert "TF400733" in error.message
    assert decide(carol, 3).status == "approved"


def test_fault_after_the_patch_the_decision_took_effect(devops_sandbox, clients):
    carol = release_client(devops_sandbox, "carol")
    devops_sandbox.add_fault(method="PATCH", path_regex="approvals/3", status=500, phase="after", count=1)
    service_error(lambda: decide(carol, 3))
    decided = clients.release.get_approvals(P, status_filter="approved", release_ids_filter=[2])
    assert [(a.id, a.approved_by.unique_name) for a in decided if a.id == 3] == [(3, PEOPLE["carol"]["upn"])]
    assert "not in a pending state" in service_error(lambda: decide(carol, 3)).message


def test_reset_restores_the_seed(devops_sandbox, clients):
    decide(clients.release, 3)
    decide(clients.release, 4)
    devops_sandbox.reset()
    assert sorted(a.id for a in clients.release.get_approvals(P)) == [3, 4]
    assert [r.id for r in clients.release.get_releases(P)] == [3, 2, 1]


def test_an_administrator_of_release_permissions_decides_through_the_bots_sdk_client(clients):
    """The bot's own identity (Alice, who holds Administer release permissions) may decide any approval: the bot
    itself checks that the Teams user is the assigned approver before it does (bot/commands/approvals.py)."""
    from azure.devops.v7_1.release.models import ReleaseApproval

    decided = clients.release.update_release_approval(
        ReleaseApproval(status="approved", comments="Approved in Microsoft Teams by Carol Approver."), "College", 3)
    assert decided.status == "approved" and decided.approved_by.display_name == "Alice Admin"
