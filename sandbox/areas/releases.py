"""Release (vsrm): releases list/get/create, a stage's deploy/redeploy/cancel, pre-deployment approvals list/decide.

Every call first moves releases to where the sandbox clock says they are (``releases.advance``). The caller is the
PAT's owner (``ctx.pat_owner``); see sandbox/README.md for the rules and which texts are unconfirmed.
"""

from __future__ import annotations

from ..http.context import Reply, RequestContext, collection
from ..http.errors import ServiceError, bad_request, not_found
from ..http.routing import AreaRoutes
from ..state import release_rules, releases
from .core import find_project
from .release_views import approval_view, environment_view, release_view

HOST = "vsrm"
routes = AreaRoutes()

RELEASES = "a166fde7-27ad-408e-ba75-703c2cc9d500"
ENVIRONMENTS = "a7e426b1-03dc-48af-9dfe-c98bac612dcb"
APPROVALS = "b47c6458-e73b-47cb-a770-4df1e8813a91"
APPROVAL = "9328e074-59fb-465a-89d9-b09c82ee5109"
ENVIRONMENT_STATUS_BITS = {"notStarted": 1, "inProgress": 2, "succeeded": 4, "canceled": 8, "rejected": 16,
                           "queued": 32, "scheduled": 64, "partiallySucceeded": 128}
APPROVAL_STATUSES = {"pending", "approved", "rejected", "reassigned", "canceled", "skipped", "undefined"}


def _ids(raw: str | None) -> set[str]:
    return {part.strip() for part in (raw or "").split(",") if part.strip()}


def _project_id(ctx: RequestContext) -> str:
    project = find_project(ctx.world, ctx.value("project"))
    releases.advance(ctx.world, ctx.now)
    return project.id


def _release(ctx: RequestContext, project_id: str, raw_id) -> dict:
    found = ctx.world.releases.get(int(raw_id)) if str(raw_id).isdigit() else None
    if found is None or found["project_id"] != project_id:
        raise not_found(f"VS402856: Release with id {raw_id} does not exist.", "ReleaseNotFoundException")
    return found


def _denied(ctx: RequestContext, permission: str) -> ServiceError:
    who = ctx.world.subjects[ctx.pat_owner]
    return ServiceError(403, f"VS402904: Access denied: User {who.display_name} does not have {permission} "
                             "permission. Contact your release manager.", "AccessCheckException")


# ---- releases -----------------------------------------------------------------------------------------------------
@routes.get(RELEASES)
def get_releases(ctx: RequestContext):
    project_id = _project_id(ctx)
    if ctx.value("releaseId") is not None:
        return release_view(ctx, _release(ctx, project_id, ctx.value("releaseId")), set(), full=True)
    found = [r for r in ctx.world.releases.values() if r["project_id"] == project_id]
    if ctx.arg("definitionId") not in (None, "", "0"):
        found = [r for r in found if str(r["definition_id"]) == ctx.arg("definitionId")]
    if ctx.arg("statusFilter") not in (None, "", "undefined"):
        found = [r for r in found if r["status"] == ctx.arg("statusFilter")]
    bits = ctx.int_arg("environmentStatusFilter")
    if bits:
        found = [r for r in found if any(ENVIRONMENT_STATUS_BITS.get(e["status"], 0) & bits
                                         for e in r["environments"])]
    if ctx.arg("createdBy"):
        wanted = ctx.arg("createdBy").lower()
        found = [r for r in found if wanted in (r["created_by"], ctx.world.subjects[r["created_by"]]
                                                .principal_name.lower())]
    if ctx.arg("searchText"):
        found = [r for r in found if ctx.arg("searchText").lower() in r["name"].lower()]
    if _ids(ctx.arg("releaseIdFilter")):
        found = [r for r in found if str(r["id"]) in _ids(ctx.arg("releaseIdFilter"))]
    low, high = ctx.time_arg("minCreatedTime"), ctx.time_arg("maxCreatedTime")
    found = [r for r in found if (low is None or r["created"] >= low) and (high is None or r["created"] <= high)]
    ascending = (ctx.arg("queryOrder") or "descending").lower() == "ascending"
    return _id_page(ctx, sorted(found, key=lambda r: r["id"], reverse=not ascending), ascending,
                    ctx.int_arg("continuationToken"), ctx.page_size(ctx.int_arg("$top"), 50),
                    lambda r: release_view(ctx, r, _ids((ctx.arg("$expand") or "").lower())))


def _id_page(ctx: RequestContext, items: list[dict], ascending: bool, token: int | None, size: int, view) -> Reply:
    """A page of ``items`` (sorted by id) from id ``token`` on; the next page's first id is the continuation."""
    if token is not None:
        items = [i for i in items if (i["id"] >= token if ascending else i["id"] <= token)]
    chunk, rest = items[:max(1, size)], items[max(1, size):]
    return collection([view(i) for i in chunk], str(rest[0]["id"]) if rest else None)


@routes.post(RELEASES)
def create_release(ctx: RequestContext):
    project_id = _project_id(ctx)
    body = ctx.body()
    if not isinstance(body, dict) or not body.get("definitionId"):
        raise bad_request("VS402881: No definition found with id 0. Specify a valid id and try again.",
                          "InvalidRequestException")
    definition = ctx.world.release_definitions.get(body["definitionId"])
    if definition is None or definition["project_id"] != project_id:
        raise not_found(f"VS402881: No definition found with id {body['definitionId']}. Specify a valid id and try "
                        "again.", "ReleaseDefinitionNotFoundException")
    if not release_rules.manages_deployments(ctx.world, ctx.pat_owner, project_id):
        raise _denied(ctx, "Create releases")
    versions = dict(ctx.world.latest_versions)
    aliases = {a["alias"] for a in definition["artifacts"]}
    for artifact in body.get("artifacts") or []:
        alias = (artifact or {}).get("alias")
        if alias not in aliases:
            raise bad_request(f"Artifact with alias '{alias}' is not linked to the release pipeline "
                              f"'{definition['name']}'.", "InvalidRequestException")
        reference = artifact.get("instanceReference") or {}
        versions[alias] = str(reference.get("id") or reference.get("name") or versions.get(alias, ""))
    release = releases.create_release(
        ctx.world, definition, ctx.pat_owner, ctx.now, versions, body.get("description") or "",
        body.get("reason") or "manual", frozenset(body.get("manualEnvironments") or []))
    if body.get("isDraft"):
        release.update(status="draft", auto_start=None)
    return release_view(ctx, release, set(), full=True)


# ---- a stage: deploy, redeploy, cancel ----------------------------------------------------------------------------
def _stage(ctx: RequestContext) -> tuple[dict, dict]:
    release = _release(ctx, _project_id(ctx), ctx.value("releaseId"))
    env = releases.environment(release, int(ctx.value("environmentId") or 0)) \
        if (ctx.value("environmentId") or "").isdigit() else None
    if env is None:
        raise not_found(f"VS402877: Stage with id {ctx.value('environmentId')} does not exist in release "
                        f"{release['name']}.", "ReleaseEnvironmentNotFoundException")
    return release, env


@routes.get(ENVIRONMENTS)
def get_release_environment(ctx: RequestContext):
    release, env = _stage(ctx)
    return environment_view(ctx, release, env)


@routes.patch(ENVIRONMENTS)
def update_release_environment(ctx: RequestContext):
    release, env = _stage(ctx)
    body = ctx.body()
    wanted = body.get("status") if isinstance(body, dict) else None
    if wanted not in ("inProgress", "canceled"):
        raise bad_request(f"VS402964: Transitioning of stage from state '{env['status']}' to state '{wanted}' is not "
                          "allowed.", "InvalidRequestException")
    if not release_rules.manages_deployments(ctx.world, ctx.pat_owner, release["project_id"]):
        raise _denied(ctx, "Manage deployments")
    current = env["status"]
    if wanted == "inProgress" and (current in ("notStarted", "scheduled") or current in releases.REDEPLOYABLE):
        if release["status"] != "active":
            raise bad_request(f"VS402935: Release {release['name']} is not active. Only an active release can be "
                              "deployed.", "InvalidRequestException")
        releases.reach(ctx.world, release, env, ctx.now, ctx.pat_owner)
    elif wanted == "canceled" and current in ("queued", "inProgress", "scheduled"):
        for approval in releases.pending_approvals(ctx.world, env):
            approval.update(status="canceled", modified=ctx.now)
        env.update(status="canceled", finished_on=ctx.now, modified=ctx.now)
        env["attempts"][-1].update(operation="canceled")
    else:
        raise bad_request(f"VS402964: Transitioning of stage from state '{current}' to state '{wanted}' is not "
                          "allowed.", "InvalidRequestException")
    return environment_view(ctx, release, env)


# ---- approvals ----------------------------------------------------------------------------------------------------
def _identity_key(ctx: RequestContext, raw: str) -> str:
    """The one identity an id, unique name or display name names (users and groups), else VS4029131."""
    wanted = raw.lower()
    matches = [s.storage_key for s in ctx.world.subjects.values()
               if wanted in (s.storage_key.lower(), s.principal_name.lower(), s.display_name.lower())]
    if len(matches) != 1:
        raise bad_request(f"VS4029131: Invalid identity '{raw}' in assignedToFilter. Specify a valid identity and "
                          "try again.", "InvalidRequestException")
    return matches[0]


@routes.get(APPROVALS)
def get_approvals(ctx: RequestContext):
    project_id = _project_id(ctx)
    status = (ctx.arg("statusFilter") or "pending")
    if status not in APPROVAL_STATUSES:
        raise bad_request(f"The value '{status}' is not valid for parameter 'statusFilter'.")
    found = [a for a in ctx.world.approvals.values()
             if ctx.world.releases[a["release_id"]]["project_id"] == project_id
             and (status == "undefined" or a["status"] == status)]
    if ctx.arg("assignedToFilter"):
        who = _identity_key(ctx, ctx.arg("assignedToFilter"))
        groups = ctx.bool_arg("includeMyGroupApprovals")
        found = [a for a in found if who in (a["approver"], a["approved_by"])
                 or (groups and ctx.world.is_member(who, a["approver"]))]
    if _ids(ctx.arg("releaseIdsFilter")):
        found = [a for a in found if str(a["release_id"]) in _ids(ctx.arg("releaseIdsFilter"))]
    if (ctx.arg("typeFilter") or "all").lower() == "postdeploy":
        found = []
    top = ctx.int_arg("top")
    size = 100 if top is not None and (top < 0 or top > 100) else (top or 50)
    ascending = (ctx.arg("queryOrder") or "descending").lower() == "ascending"
    return _id_page(ctx, sorted(found, key=lambda a: a["id"], reverse=not ascending), ascending,
                    ctx.int_arg("continuationToken"), ctx.page_size(size, 50), lambda a: approval_view(ctx, a))


@routes.patch(APPROVAL)
def update_release_approval(ctx: RequestContext):
    project_id = _project_id(ctx)
    body = ctx.raw_body
    if not isinstance(body, dict):
        raise bad_request("VS402926: Approval update data cannot be null.", "InvalidRequestException")
    raw_id = ctx.value("approvalId") or ""
    approval = ctx.world.approvals.get(int(raw_id)) if raw_id.isdigit() else None
    if approval is None or ctx.world.releases[approval["release_id"]]["project_id"] != project_id:
        raise not_found(f"VS402919: Approval with id {raw_id} does not exist.", "ReleaseApprovalNotFoundException")
    status = body.get("status")
    if status not in ("approved", "rejected", "reassigned"):
        raise bad_request(f"VS402960: Invalid approval status '{status}'. Approval status can be either approved, "
                          "rejected or reassigned.", "InvalidRequestException")
    if approval["status"] != "pending":
        raise bad_request(f"Approval(s) {approval['id']} are not in a pending state. Only pending approval(s) can be "
                          "updated.", "InvalidRequestException")
    caller = ctx.pat_owner
    if not release_rules.may_decide(ctx.world, caller, approval["approver"], project_id):
        raise ServiceError(403, f"VS402968: The current user is not authorized to update the release stage step "
                                f"{approval['id']} status.", "AccessCheckException")
    comments = body.get("comments") or ""
    if status == "reassigned":
        target = (body.get("approver") or {}) if isinstance(body.get("approver"), dict) else {}
        raw = target.get("id") or target.get("uniqueName")
        if not raw:
            raise bad_request("VS402961: Approver is required to reassign an approval.", "InvalidRequestException")
        approver = _identity_key(ctx, raw)
        releases.reassign(ctx.world, approval, approver, caller, comments, ctx.now)
        return approval_view(ctx, approval)
    release = ctx.world.releases[approval["release_id"]]
    env = releases.environment(release, approval["environment_id"])
    spec = next(e for e in releases.definition_of(ctx.world, release)["environments"]
                if e["id"] == env["definition_environment_id"])
    if not spec["release_creator_can_be_approver"] and caller in (release["created_by"], env["requested_by"]):
        raise bad_request(f"VS402923: You cannot approve or reject the release stage step {approval['id']} because "
                          "you created this release or deployment. Please reassign this approval.",
                          "InvalidRequestException")
    releases.decide(ctx.world, approval, status, caller, comments, ctx.now)
    return approval_view(ctx, approval)
