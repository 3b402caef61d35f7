"""YAML environment approvals (the Approvals check of an environment a run deploys to): the pending ones, one read
afresh, who may decide one, and the decision itself.

The 7.1 SDK has no methods for them: ``_send`` to the ``approval`` area (location 37794717-…, 7.1-preview.1). A
decision is sent once: a failed PATCH is followed by a read of the approval before anything else. Azure DevOps lets
only a pending step's assigned approver (or a member of that group) decide, and never a blocked approver (the run's
requester when "requester cannot approve" is set); resource and project admins may only reassign. So with the bot's
own identity a decision goes through only when that identity is the approver: per-user sign-in is the real way.
"""

from __future__ import annotations

from typing import Any

from bot.errors import NotFound
from bot.services.devops.client import DevOpsClient, RawResponse
from bot.services.devops.model import ApprovalStep, Identity, RunApproval
from bot.services.devops.pipelines import parse_time, run_url

APPROVALS_LOCATION = "37794717-f36f-4d78-b2bf-4dc30d0cfbcd"
APPROVALS_VERSION = "7.1-preview.1"
TOP = 250


def identity_from_json(raw: Any) -> Identity | None:
    if not isinstance(raw, dict):
        return None
    return Identity(name=str(raw.get("displayName") or raw.get("uniqueName") or ""), id=str(raw.get("id") or ""),
                    descriptor=str(raw.get("descriptor") or ""), is_group=bool(raw.get("isContainer")))


def run_approval_from_json(raw: dict, org_url: str = "", project: str = "") -> RunApproval:
    pipeline = raw.get("pipeline") if isinstance(raw.get("pipeline"), dict) else {}
    owner = pipeline.get("owner") if isinstance(pipeline.get("owner"), dict) else {}
    run_id = int(owner.get("id") or 0) if str(owner.get("id") or "").isdigit() else 0
    web = ((owner.get("_links") or {}).get("web") or {}).get("href", "") if isinstance(owner.get("_links"), dict) \
        else ""
    steps = []
    for step in raw.get("steps") or []:
        assigned = identity_from_json(step.get("assignedApprover")) if isinstance(step, dict) else None
        if assigned is None:
            continue
        steps.append(ApprovalStep(assigned=assigned, status=str(step.get("status") or ""),
                                  actual=identity_from_json(step.get("actualApprover")),
                                  comment=str(step.get("comment") or ""),
                                  modified_on=parse_time(step.get("lastModifiedOn"))))
    pipeline_id = str(pipeline.get("id") or "")
    return RunApproval(
        id=str(raw.get("id") or "").lower(), status=str(raw.get("status") or ""), steps=tuple(steps),
        blocked=tuple(i for i in map(identity_from_json, raw.get("blockedApprovers") or []) if i is not None),
        instructions=str(raw.get("instructions") or ""), min_required=int(raw.get("minRequiredApprovers") or 1),
        created_on=parse_time(raw.get("createdOn")), modified_on=parse_time(raw.get("lastModifiedOn")),
        pipeline_id=int(pipeline_id) if pipeline_id.isdigit() else 0, pipeline=str(pipeline.get("name") or ""),
        run_id=run_id, run_name=str(owner.get("name") or ""), run_url=web or run_url(org_url, project, run_id))


def _values(response: RawResponse) -> list[dict]:
    body = response.body
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        return [v for v in body["value"] if isinstance(v, dict)]
    return [body] if isinstance(body, dict) and body.get("id") else []


async def pending_run_approvals(devops: DevOpsClient) -> list[RunApproval]:
    """Every pending environment approval of the project (with its steps), oldest first."""
    response = await devops.send_raw(
        "pipelines", "GET", APPROVALS_LOCATION, APPROVALS_VERSION, route_values={"project": devops.project},
        query={"state": "pending", "$expand": "steps", "top": TOP}, what="list the pending pipeline approvals")
    found = [run_approval_from_json(v, devops.org_url, devops.project) for v in _values(response)]
    return sorted((a for a in found if a.pending), key=lambda a: (a.created_on is None, a.created_on, a.id))


async def _read_raw(devops: DevOpsClient, approval_id: str) -> RawResponse:
    return await devops.send_raw(
        "pipelines", "GET", APPROVALS_LOCATION, APPROVALS_VERSION,
        route_values={"project": devops.project, "approvalId": approval_id}, query={"$expand": "steps"},
        what="read the pipeline approval")


async def read_run_approval(devops: DevOpsClient, approval_id: str) -> RunApproval:
    """The approval as it is now (decided or not)."""
    try:
        found = _values(await _read_raw(devops, approval_id))
    except NotFound:
        found = []
    if not found:
        raise NotFound(f"There is no pipeline approval {approval_id[:40]}.",
                       next_step="Type approvals to see the ones waiting for you.")
    return run_approval_from_json(found[0], devops.org_url, devops.project)


async def decide(devops: DevOpsClient, approval: RunApproval, status: str, comment: str) -> RunApproval:
    """Approves or rejects (``status``) with ``comment``; sent once (after a failure the approval is read before
    any retry: decided meanwhile, by this call or by someone else, is the answer)."""

    async def verify() -> RawResponse | None:
        now = await _read_raw(devops, approval.id)
        return now if not all(v.get("status") == "pending" for v in _values(now)) else None

    response = await devops.send_raw(
        "pipelines", "PATCH", APPROVALS_LOCATION, APPROVALS_VERSION, route_values={"project": devops.project},
        content=[{"approvalId": approval.id, "status": status, "comment": comment}], idempotent=False,
        verify=verify, what=f"{status[:-1] if status.endswith('d') else status} the pipeline approval")
    found = [v for v in _values(response) if str(v.get("id") or "").lower() == approval.id]
    if not found:  # an answer without the approval: read it
        return await read_run_approval(devops, approval.id)
    return run_approval_from_json(found[0], devops.org_url, devops.project)
