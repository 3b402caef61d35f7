"""YAML pipelines, runs and environments through the real SDK; environment approvals through ``_send`` (no SDK
method in 7.1), with the service's rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError

PEOPLE = {p["key"]: p for p in json.loads(
    (Path(__file__).resolve().parents[2] / "sandbox" / "world" / "college_team.json").read_text())["people"]}
P = "College"
APPROVALS = "37794717-f36f-4d78-b2bf-4dc30d0cfbcd"


def approvals(client, method="GET", content=None, **query):
    """``GET|PATCH {project}/_apis/pipelines/approvals`` through the SDK's own ``_send``."""
    response = client._send(http_method=method, location_id=APPROVALS, version="7.1-preview.1",
                            route_values={"project": P}, query_parameters=query or None, content=content)
    return response.json()["value"]


def pipelines_client(sandbox, person):
    return sandbox.connection_as(person).clients_v7_1.get_pipelines_client()


def user_id(clients, person):
    return next(a.approver.id for a in clients.release.get_approvals(P, assigned_to_filter=PEOPLE[person]["upn"]))


def waiting(clients):
    return approvals(clients.pipelines, state="pending", **{"$expand": "steps"})


def test_pipelines_runs_and_environments(clients):
    listed = clients.pipelines.list_pipelines(P)
    assert [p.name for p in listed] == ["tinyyolo-edge-deploy"]
    assert clients.pipelines.get_pipeline(P, listed[0].id).configuration.type == "yaml"
    runs = clients.pipelines.list_runs(P, listed[0].id)
    assert [(r.id, r.state, r.result) for r in runs] == [(102, "inProgress", None), (101, "completed", "succeeded")]
    assert clients.pipelines.get_run(P, listed[0].id, 102).name == "20261128.1"
    environments = clients.tasks.get_environments(P)
    assert [e.name for e in environments] == ["edge-staging", "edge-production"]
    assert clients.tasks.get_environment_by_id(P, environments[1].id).description == "IoT Edge production devices"


def test_the_seeded_approval_waits_for_carol(clients):
    pending = waiting(clients)
    assert len(pending) == 1
    approval = pending[0]
    assert approval["pipeline"]["owner"]["id"] == 102
    step = approval["steps"][0]
    assert (step["assignedApprover"]["uniqueName"], step["status"]) == (PEOPLE["carol"]["upn"], "pending")
    assert [b["uniqueName"] for b in approval["blockedApprovers"]] == [PEOPLE["bob"]["upn"]]
    assert "steps" not in approvals(clients.pipelines, state="pending")[0]
    carol = user_id(clients, "carol")
    assert [a["id"] for a in approvals(clients.pipelines, state="pending", userIds=carol)] == [approval["id"]]
    assert len(approvals(clients.pipelines)) == 2  # state defaults to all


def test_carol_approves_and_the_run_completes(devops_sandbox, clients):
    approval_id = waiting(clients)[0]["id"]
    decided = approvals(pipelines_client(devops_sandbox, "carol"), "PATCH",
                        [{"approvalId": approval_id, "status": "approved", "comment": "Ship it"}])
    step = decided[0]["steps"][0]
    assert (decided[0]["status"], step["actualApprover"]["uniqueName"], step["comment"]) == (
        "approved", PEOPLE["carol"]["upn"], "Ship it")
    devops_sandbox.advance_clock(61)
    assert (clients.pipelines.get_run(P, 1, 102).state, clients.pipelines.get_run(P, 1, 102).result) == (
        "completed", "succeeded")


@pytest.mark.parametrize("person", ["alice", "bob", "dave"])
def test_others_are_not_permitted(devops_sandbox, clients, person):
    """Not the approver: refused, admins included (they may only reassign); Bob requested the run (blocked)."""
    approval_id = waiting(clients)[0]["id"]
    with pytest.raises(AzureDevOpsServiceError) as caught:
        approvals(pipelines_client(devops_sandbox, person), "PATCH",
                  [{"approvalId": approval_id, "status": "approved"}])
    assert f"is not permitted to complete approval with ID '{approval_id}'" in caught.value.message
    assert waiting(clients)[0]["status"] == "pending"


def test_already_completed_is_refused_and_a_rejection_fails_the_run(devops_sandbox, clients):
    carol = pipelines_client(devops_sandbox, "carol")
    approval_id = waiting(clients)[0]["id"]
    approvals(carol, "PATCH", [{"approvalId": approval_id, "status": "rejected", "comment": "Not v3"}])
    assert clients.pipelines.get_run(P, 1, 102).result == "failed"
    with pytest.raises(AzureDevOpsServiceError) as caught:
        approvals(carol, "PATCH", [{"approvalId": approval_id, "status": "approved"}])
    assert "already in completed state" in caught.value.message


def test_fault_after_the_patch_the_decision_took_effect(devops_sandbox, clients):
    approval_id = waiting(clients)[0]["id"]
    devops_sandbox.add_fault(method="PATCH", path_regex="pipelines/approvals", status=503, phase="after", count=1)
    with pytest.raises(AzureDevOpsServiceError):
        approvals(pipelines_client(devops_sandbox, "carol"), "PATCH",
                  [{"approvalId": approval_id, "status": "approved"}])
    assert waiting(clients) == []
    devops_sandbox.reset()
    assert [a["id"] for a in waiting(clients)] == [approval_id]  # the seed's id is stable


def test_the_control_api_adds_a_pending_approval_to_a_run_and_to_a_release_stage(devops_sandbox, clients):
    from tests.sandbox_fixtures import ControlError

    added = devops_sandbox.pending_approval("carol", run_id=102, environment="edge-staging")
    pending = waiting(clients)
    assert [a["pipeline"]["owner"]["id"] for a in pending] == [102, 102] and added["approval_id"] == pending[1]["id"]
    assert pending[1]["steps"][0]["assignedApprover"]["uniqueName"] == PEOPLE["carol"]["upn"]
    decided = approvals(pipelines_client(devops_sandbox, "carol"), "PATCH",
                        [{"approvalId": a["id"], "status": "approved"} for a in pending])
    assert [a["status"] for a in decided] == ["approved", "approved"]
    stage = devops_sandbox.pending_approval("carol", release_id=2, stage="Prod")
    mine = clients.release.get_approvals(P, assigned_to_filter=PEOPLE["carol"]["upn"], release_ids_filter=[2])
    assert sorted(a.id for a in mine) == [3, stage["approval_id"]]
    for wrong in ({"run_id": 101, "environment": "edge-staging"},  # completed
                  {"run_id": 102, "environment": "edge-staging"},  # has one already
                  {"release_id": 1, "stage": "QA"},  # failed: waits for no approval
                  {"release_id": 2, "stage": "Prod", "approver": "nobody"}):
        with pytest.raises(ControlError):
            devops_sandbox.pending_approval(wrong.pop("approver", "carol"), **wrong)
