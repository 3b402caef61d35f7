"""JSON shapes of classic releases, their stages (ReleaseEnvironment) and approvals (ReleaseApproval)."""

from __future__ import annotations

from ..clock import iso
from ..http.context import RequestContext
from ..state import releases
from .release import _approvals, _artifact_view, _identity
from .views import links


def _release_url(ctx: RequestContext, release: dict) -> str:
    return ctx.urls.of("vsrm", f"{release['project_id']}/_apis/Release/releases/{release['id']}")


def release_reference(ctx: RequestContext, release: dict) -> dict:
    project = ctx.world.projects[release["project_id"]]
    url = _release_url(ctx, release)
    web = ctx.urls.of("main", f"{project.name}/_releaseProgress?_a=release-pipeline-progress&releaseId={release['id']}")
    return {"id": release["id"], "name": release["name"], "url": url, "_links": links(self=url, web=web)}


def definition_reference(ctx: RequestContext, definition: dict) -> dict:
    project = ctx.world.projects[definition["project_id"]]
    url = ctx.urls.of("vsrm", f"{project.id}/_apis/Release/definitions/{definition['id']}")
    web = ctx.urls.of("main", f"{project.name}/_release?definitionId={definition['id']}")
    return {"id": definition["id"], "name": definition["name"], "path": definition["path"], "url": url,
            "_links": links(self=url, web=web), "projectReference": None}


def environment_reference(ctx: RequestContext, release: dict, env: dict) -> dict:
    project = ctx.world.projects[release["project_id"]]
    web = ctx.urls.of("main", f"{project.name}/_releaseProgress?_a=release-environment-logs"
                              f"&releaseId={release['id']}&environmentId={env['id']}")
    return {"id": env["id"], "name": env["name"], "url": _release_url(ctx, release) + f"/environments/{env['id']}",
            "_links": links(web=web)}


def approval_view(ctx: RequestContext, approval: dict) -> dict:
    release = ctx.world.releases[approval["release_id"]]
    env = releases.environment(release, approval["environment_id"])
    decided_by = approval["approved_by"]
    return {
        "id": approval["id"], "revision": approval["revision"], "approvalType": "preDeploy",
        "status": approval["status"], "approver": _identity(ctx, approval["approver"]),
        "approvedBy": _identity(ctx, decided_by) if decided_by else None, "comments": approval["comments"],
        "isAutomated": False, "attempt": approval["attempt"], "rank": approval["rank"],
        "createdOn": iso(approval["created"]), "modifiedOn": iso(approval["modified"]),
        "history": [{"approver": _identity(ctx, h["approver"]), "changedBy": _identity(ctx, h["changed_by"]),
                     "comments": h["comments"], "createdOn": iso(h["at"]), "modifiedOn": iso(h["at"]),
                     "revision": index} for index, h in enumerate(approval["history"], start=1)],
        "release": release_reference(ctx, release),
        "releaseDefinition": definition_reference(ctx, releases.definition_of(ctx.world, release)),
        "releaseEnvironment": environment_reference(ctx, release, env),
        "url": ctx.urls.of("vsrm", f"{release['project_id']}/_apis/Release/approvals/{approval['id']}"),
    }


def _attempt_view(ctx: RequestContext, env: dict, attempt: dict) -> dict:
    requester = _identity(ctx, attempt["requested_by"])
    return {
        "id": env["id"] * 100 + attempt["attempt"], "deploymentId": env["id"] * 100 + attempt["attempt"],
        "attempt": attempt["attempt"], "reason": "manual" if attempt["attempt"] > 1 else "automated",
        "status": attempt["status"], "operationStatus": attempt["operation"], "hasStarted":
        attempt["started_on"] is not None, "queuedOn": iso(attempt["queued_on"]), "requestedBy": requester,
        "requestedFor": requester, "lastModifiedBy": requester, "lastModifiedOn": iso(env["modified"]),
        "releaseDeployPhases": _phases(env, attempt), "issues": []}


def _phases(env: dict, attempt: dict) -> list[dict]:
    """The agent job of a started attempt: when it started and how it stands (the stage's times live here)."""
    if attempt["started_on"] is None:
        return []
    status = {"phaseInProgress": "inProgress", "phaseSucceeded": "succeeded", "phaseFailed": "failed",
              "canceled": "canceled"}.get(attempt["operation"], "inProgress")
    return [{"phaseId": str(env["id"] * 100 + attempt["attempt"]), "name": "Agent job", "rank": 1,
             "phaseType": "agentBasedDeployment", "status": status, "startedOn": iso(attempt["started_on"]),
             "runPlanId": None, "deploymentJobs": [], "manualInterventions": [], "errorLog": None}]


def _trigger_reason(env: dict) -> str:
    if env["attempt"] > 1 or env["requested_by"] is None:
        return "Manual"
    return f"After successful deployment of {env['after']}" if env["after"] else "After release creation"


def environment_view(ctx: RequestContext, release: dict, env: dict) -> dict:
    definition = releases.definition_of(ctx.world, release)
    spec = next(e for e in definition["environments"] if e["id"] == env["definition_environment_id"])
    minutes = ((env["finished_on"] - env["started_on"]).total_seconds() / 60
               if env["finished_on"] and env["started_on"] else 0)
    conditions = ([{"name": env["after"], "conditionType": "environmentState", "value": "4", "result": None}]
                  if env["after"] else [{"name": "ReleaseStarted", "conditionType": "event", "value": "",
                                         "result": None}])
    gates = {"id": 0, "gatesOptions": None, "gates": []}
    return {
        "id": env["id"], "releaseId": release["id"], "name": env["name"], "status": env["status"],
        "variables": {}, "variableGroups": [],
        "preDeployApprovals": [approval_view(ctx, a) for a in releases.approvals_of(ctx.world, env)],
        "postDeployApprovals": [],
        "preApprovalsSnapshot": _approvals(ctx, spec["approvers"], spec["id"] * 100),
        "postApprovalsSnapshot": _approvals(ctx, [], spec["id"] * 100 + 60),
        "deploySteps": [_attempt_view(ctx, env, a) for a in env["attempts"]],
        "rank": env["rank"], "definitionEnvironmentId": env["definition_environment_id"],
        "environmentOptions": {"autoLinkWorkItems": False, "badgeEnabled": False, "publishDeploymentStatus": True,
                               "pullRequestDeploymentEnabled": False},
        "conditions": conditions, "createdOn": iso(env["created"]), "modifiedOn": iso(env["modified"]),
        "deployPhasesSnapshot": [], "owner": _identity(ctx, definition["created_by"]), "schedules": [],
        "release": release_reference(ctx, release), "releaseDefinition": definition_reference(ctx, definition),
        "releaseCreatedBy": _identity(ctx, release["created_by"]), "triggerReason": _trigger_reason(env),
        "timeToDeploy": minutes, "processParameters": {}, "preDeploymentGatesSnapshot": dict(gates),
        "postDeploymentGatesSnapshot": dict(gates), "nextScheduledUtcTime": None, "scheduledDeploymentTime": None,
    }


def _artifact(ctx: RequestContext, release: dict, artifact: dict) -> dict:
    view = _artifact_view(artifact)
    version = release["versions"].get(artifact["alias"], "")
    view["definitionReference"]["version"] = {"id": version, "name": version}
    return view


def release_view(ctx: RequestContext, release: dict, expand: set[str], full: bool = False) -> dict:
    """A release; ``full`` (get and create) has stages and artifacts, a list only what ``expand`` names."""
    definition = releases.definition_of(ctx.world, release)
    creator = _identity(ctx, release["created_by"])
    reference = release_reference(ctx, release)
    view = {
        "id": release["id"], "name": release["name"], "_links": reference["_links"], "status": release["status"],
        "createdOn": iso(release["created"]),
        "modifiedOn": iso(release["modified"]), "modifiedBy": creator, "createdBy": creator, "createdFor": creator,
        "variables": {}, "variableGroups": [], "releaseDefinition": definition_reference(ctx, definition),
        "releaseDefinitionRevision": definition["revision"], "description": release["description"],
        "reason": release["reason"], "releaseNameFormat": definition["release_name_format"], "keepForever": False,
        "definitionSnapshotRevision": 1, "logsContainerUrl": _release_url(ctx, release) + "/logs",
        "tags": [], "triggeringArtifactAlias": None, "properties": {},
        "projectReference": {"id": release["project_id"], "name": ctx.world.projects[release["project_id"]].name},
    }
    if full or "environments" in expand:
        view["environments"] = [environment_view(ctx, release, env) for env in release["environments"]]
    if full or "artifacts" in expand:
        view["artifacts"] = [_artifact(ctx, release, a) for a in definition["artifacts"]]
    return view
