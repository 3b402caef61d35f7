"""YAML side (main origin): pipelines, their runs, environments, and environment approvals (list, get, PATCH).

The approvals API has no method in the 7.1 SDK (``_send`` to location 37794717-…); see sandbox/README.md for its rules.
"""

from __future__ import annotations

from ..clock import iso
from ..http.context import RequestContext, collection
from ..http.errors import ServiceError, bad_request, not_found
from ..http.paging import page
from ..http.routing import AreaRoutes
from ..state import pipelines
from .core import find_project
from .release import _identity
from .views import links

HOST = "main"
routes = AreaRoutes()

PIPELINES = "28e1305e-2afe-47bf-abaf-cbb0e6a91988"
RUNS = "7859261e-d2e9-4a68-b820-a5d84cc5bb3d"
ENVIRONMENTS = "8572b1fc-2482-47fa-8f74-7e3ed53ee54b"
APPROVALS = "37794717-f36f-4d78-b2bf-4dc30d0cfbcd"
STATES = {"uninitiated", "pending", "approved", "rejected", "skipped", "canceled", "timedOut", "failed", "completed",
          "all"}
DONE = {"approved", "rejected", "skipped", "canceled", "timedOut", "failed"}


def _project(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    pipelines.advance(ctx.world, ctx.now)
    return project


def _pipeline_view(ctx: RequestContext, pipeline: dict, full: bool = True) -> dict:
    url = ctx.urls.of("main", f"{pipeline['project_id']}/_apis/pipelines/{pipeline['id']}"
                              f"?revision={pipeline['revision']}")
    view = {"id": pipeline["id"], "name": pipeline["name"], "folder": pipeline["folder"],
            "revision": pipeline["revision"], "url": url}
    if full:
        project = ctx.world.projects[pipeline["project_id"]]
        view["_links"] = links(self=url, web=ctx.urls.of("main", f"{project.name}/_build/definition?definitionId="
                                                                f"{pipeline['id']}"))
        view["configuration"] = {"type": "yaml"}
    return view


def _run_view(ctx: RequestContext, run: dict) -> dict:
    pipeline = ctx.world.pipelines[run["pipeline_id"]]
    project = ctx.world.projects[pipeline["project_id"]]
    url = ctx.urls.of("main", f"{project.id}/_apis/pipelines/{pipeline['id']}/runs/{run['id']}")
    return {
        "id": run["id"], "name": run["name"], "state": run["state"], "result": run["result"],
        "createdDate": iso(run["created"]), "finishedDate": iso(run["finished"]), "url": url,
        "pipeline": _pipeline_view(ctx, pipeline, full=False), "templateParameters": {},
        "resources": {"repositories": {"self": {"repository": {"type": "azureReposGit"},
                                                "refName": "refs/heads/master"}}},
        "_links": links(self=url, web=ctx.urls.of("main", f"{project.name}/_build/results?buildId={run['id']}"),
                        pipeline=ctx.urls.of("main", f"{project.id}/_apis/pipelines/{pipeline['id']}")),
    }


def _pipeline(ctx: RequestContext, project) -> dict:
    raw = ctx.value("pipelineId") or ""
    found = ctx.world.pipelines.get(int(raw)) if raw.isdigit() else None
    if found is None or found["project_id"] != project.id:
        raise not_found(f"Pipeline with id {raw} does not exist or you do not have permission to view it.",
                        "PipelineNotFoundException")
    return found


@routes.get(PIPELINES)
def list_pipelines(ctx: RequestContext):
    project = _project(ctx)
    if ctx.value("pipelineId") is not None:
        return _pipeline_view(ctx, _pipeline(ctx, project))
    found = sorted((p for p in ctx.world.pipelines.values() if p["project_id"] == project.id),
                   key=lambda p: p["name"].lower())
    chunk, token = page(found, ctx.arg("continuationToken"), ctx.page_size(ctx.int_arg("$top"), 1000))
    return collection([_pipeline_view(ctx, p) for p in chunk], token)


@routes.get(RUNS)
def list_runs(ctx: RequestContext):
    pipeline = _pipeline(ctx, _project(ctx))
    runs = sorted((r for r in ctx.world.runs.values() if r["pipeline_id"] == pipeline["id"]), key=lambda r: -r["id"])
    if ctx.value("runId") is None:
        return collection([_run_view(ctx, r) for r in runs[:10000]])
    run = next((r for r in runs if str(r["id"]) == ctx.value("runId")), None)
    if run is None:
        raise not_found(f"Run with id {ctx.value('runId')} does not exist in pipeline {pipeline['id']}.",
                        "PipelineRunNotFoundException")
    return _run_view(ctx, run)


def _environment_view(ctx: RequestContext, env: dict) -> dict:
    project = ctx.world.projects[env["project_id"]]
    creator = _identity(ctx, env["created_by"])
    return {"id": env["id"], "name": env["name"], "description": env["description"], "createdBy": creator,
            "createdOn": iso(env["created"]), "lastModifiedBy": creator, "lastModifiedOn": iso(env["created"]),
            "project": {"id": project.id, "name": project.name}}


@routes.get(ENVIRONMENTS)
def get_environments(ctx: RequestContext):
    project = _project(ctx)
    found = [e for e in ctx.world.environments.values() if e["project_id"] == project.id]
    if ctx.value("environmentId") is not None:
        env = next((e for e in found if str(e["id"]) == ctx.value("environmentId")), None)
        if env is None:
            raise not_found(f"Environment with id {ctx.value('environmentId')} does not exist or you do not have "
                            "access.", "EnvironmentNotFoundException")
        return _environment_view(ctx, env)
    if ctx.arg("name"):
        found = [e for e in found if e["name"].lower() == ctx.arg("name").lower()]
    chunk, token = page(sorted(found, key=lambda e: e["id"]), ctx.arg("continuationToken"),
                        ctx.page_size(ctx.int_arg("top"), 50))
    return collection([_environment_view(ctx, e) for e in chunk], token)


# ---- environment approvals ----------------------------------------------------------------------------------------
def _approval_view(ctx: RequestContext, approval: dict, steps: bool) -> dict:
    run = ctx.world.runs[approval["run_id"]]
    pipeline = ctx.world.pipelines[run["pipeline_id"]]
    project = ctx.world.projects[pipeline["project_id"]]
    url = ctx.urls.of("main", f"{project.id}/_apis/pipelines/approvals/{approval['id']}")
    view = {
        "id": approval["id"], "status": approval["status"], "createdOn": iso(approval["created"]),
        "lastModifiedOn": iso(approval["modified"]), "executionOrder": "anyOrder",
        "minRequiredApprovers": approval["min_required"], "instructions": approval["instructions"],
        "blockedApprovers": [_identity(ctx, key) for key in approval["blocked"]],
        "_links": links(self=url), "pipeline": {
            "id": str(pipeline["id"]), "name": pipeline["name"],
            "owner": {"id": run["id"], "name": run["name"], "_links": links(
                web=ctx.urls.of("main", f"{project.name}/_build/results?buildId={run['id']}"))}},
    }
    if steps:
        view["steps"] = [{
            "assignedApprover": _identity(ctx, step["assigned"]),
            "actualApprover": _identity(ctx, step["actual"]) if step["actual"] else None,
            "status": step["status"], "comment": step["comment"], "initiatedOn": iso(step["initiated"]),
            "lastModifiedOn": iso(step["modified"]), "order": step["order"], "history": []}
            for step in approval["steps"]]
    return view


@routes.get(APPROVALS)
def query_approvals(ctx: RequestContext):
    project = _project(ctx)
    steps = "steps" in (ctx.arg("$expand") or "").lower()
    found = [a for a in ctx.world.pipeline_approvals.values()
             if ctx.world.pipelines[ctx.world.runs[a["run_id"]]["pipeline_id"]]["project_id"] == project.id]
    if ctx.value("approvalId") is not None:
        approval = next((a for a in found if a["id"] == ctx.value("approvalId").lower()), None)
        if approval is None:
            raise not_found(f"Approval with ID '{ctx.value('approvalId')}' was not found.",
                            "ApprovalNotFoundException")
        return _approval_view(ctx, approval, steps)
    wanted_ids = {part.strip().lower() for part in (ctx.arg("approvalIds") or "").split(",") if part.strip()}
    if wanted_ids:
        found = [a for a in found if a["id"] in wanted_ids]
    state = ctx.arg("state") or "all"
    if state not in STATES:
        raise bad_request(f"The value '{state}' is not valid for parameter 'state'.")
    if state == "completed":
        found = [a for a in found if a["status"] in DONE]
    elif state != "all":
        found = [a for a in found if a["status"] == state]
    users = {part.strip() for part in (ctx.arg("userIds") or "").split(",") if part.strip()}
    if users:
        keys = {_user_key(ctx, raw) for raw in users}
        found = [a for a in found if any(step["assigned"] in keys or step["actual"] in keys for step in a["steps"])]
    found.sort(key=lambda a: a["created"])
    return collection([_approval_view(ctx, a, steps) for a in found[:ctx.page_size(ctx.int_arg("top"), 250)]])


def _user_key(ctx: RequestContext, raw: str) -> str:
    """A storage key from a user id or descriptor (what ``userIds`` takes)."""
    subject = ctx.world.subjects.get(raw.lower()) or ctx.world.subject_by_descriptor(raw)
    return subject.storage_key if subject else raw


@routes.patch(APPROVALS)
def update_approvals(ctx: RequestContext):
    project = _project(ctx)
    body = ctx.body()
    if not isinstance(body, list) or not body:
        raise bad_request("Value cannot be null.\r\nParameter name: updateParameters", "ArgumentNullException")
    caller = ctx.pat_owner
    checked = []
    for item in body:  # all are checked before any is decided, so a refused item changes nothing
        approval_id = str((item or {}).get("approvalId") or "").lower()
        approval = ctx.world.pipeline_approvals.get(approval_id)
        if approval is None or ctx.world.pipelines[ctx.world.runs[approval["run_id"]]["pipeline_id"]][
                "project_id"] != project.id:
            raise not_found(f"Approval with ID '{approval_id}' was not found.", "ApprovalNotFoundException")
        status = item.get("status")
        if status not in ("approved", "rejected"):
            raise bad_request(f"Approval update failed. Status '{status}' is not valid: use approved or rejected.",
                              "InvalidRequestException")
        if approval["status"] != "pending":
            raise bad_request(f"Approval update failed. Approval with ID '{approval_id}' is already in completed "
                              "state.", "ApprovalAlreadyCompletedException")
        step = next((s for s in approval["steps"] if s["status"] == "pending"
                     and ctx.world.is_member(caller, s["assigned"])), None)
        if step is None or caller in approval["blocked"]:
            raise ServiceError(403, f"Approval update failed. Approver '{caller}' is not permitted to complete "
                                    f"approval with ID '{approval_id}'.", "ApprovalUnauthorizedException")
        checked.append((approval, step, status, item.get("comment") or ""))
    for approval, step, status, comment in checked:
        pipelines.decide(ctx.world, approval, step, status, caller, comment, ctx.now)
    return collection([_approval_view(ctx, approval, True) for approval, *_ in checked])
