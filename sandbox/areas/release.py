"""Release: classic release definitions (vsrm origin): list, get, and update (PUT of the whole definition, as
the portal's Save does: name, description, path and artifacts change; the revision must be the current one)."""

from __future__ import annotations

from ..clock import iso
from ..http.context import RequestContext, collection
from ..http.errors import ServiceError, bad_request, not_found
from ..http.paging import page
from ..http.routing import AreaRoutes
from .core import find_project
from .views import identity_ref, links

HOST = "vsrm"
routes = AreaRoutes()

DEFINITIONS = "d8f96f24-8ea7-4cb6-baab-2df8fc515665"


def _identity(ctx: RequestContext, key: str) -> dict:
    return identity_ref(ctx.urls, ctx.world.subjects[key])


def _artifact_view(artifact: dict) -> dict:
    connection = {"id": artifact["connection_id"], "name": artifact["connection"]}
    if artifact["type"] == "GitHub":
        reference = {
            "connection": connection,
            "definition": {"id": artifact["source"], "name": artifact["source"]},
            "branch": {"id": artifact["branch"], "name": artifact["branch"]},
            "defaultVersionType": {"id": "latestFromBranchType", "name": "Latest from the default branch"},
        }
    else:
        reference = {
            "connection": connection,
            "model": {"id": artifact["model_name"], "name": artifact["model_name"]},
            "workspace": {"id": artifact["workspace"], "name": artifact["workspace"]},
            "defaultVersionType": {"id": "latestType", "name": "Latest"},
        }
    return {"alias": artifact["alias"], "type": artifact["type"], "definitionReference": reference,
            "isPrimary": artifact["is_primary"], "isRetained": False}


def _approvals(ctx: RequestContext, approvers: list[str], base_id: int) -> dict:
    if approvers:
        steps = [{"rank": rank, "isAutomated": False, "isNotificationOn": False,
                  "approver": _identity(ctx, key), "id": base_id + rank}
                 for rank, key in enumerate(approvers, start=1)]
    else:
        steps = [{"rank": 1, "isAutomated": True, "isNotificationOn": False, "id": base_id + 1}]
    return {"approvals": steps, "approvalOptions": {
        "requiredApproverCount": None if not approvers else 0, "releaseCreatorCanBeApprover": False,
        "autoTriggeredAndPreviousEnvironmentApprovedCanBeSkipped": False, "enforceIdentityRevalidation": False,
        "timeoutInMinutes": 43200, "executionOrder": "beforeGates"}}


def _environment_view(ctx: RequestContext, definition: dict, env: dict) -> dict:
    if env["after"]:
        conditions = [{"name": env["after"], "conditionType": "environmentState", "value": "4"}]
    else:
        conditions = [{"name": "ReleaseStarted", "conditionType": "event", "value": ""}]
    gates = {"id": 0, "gatesOptions": None, "gates": []}
    return {
        "id": env["id"],
        "name": env["name"],
        "rank": env["rank"],
        "owner": _identity(ctx, definition["created_by"]),
        "variables": {},
        "variableGroups": [],
        "preDeployApprovals": _approvals(ctx, env["approvers"], env["id"] * 100),
        "deployStep": {"id": env["id"] * 100 + 50, "tasks": []},
        "postDeployApprovals": _approvals(ctx, [], env["id"] * 100 + 60),
        "deployPhases": [{"name": "Agent job", "phaseType": "agentBasedDeployment", "rank": 1,
                          "refName": None, "workflowTasks": []}],
        "environmentOptions": {"autoLinkWorkItems": False, "badgeEnabled": False,
                               "publishDeploymentStatus": True, "pullRequestDeploymentEnabled": False},
        "demands": [],
        "conditions": conditions,
        "executionPolicy": {"concurrencyCount": 1, "queueDepthCount": 0},
        "schedules": [],
        "retentionPolicy": {"daysToKeep": 30, "releasesToKeep": 3, "retainBuild": True},
        "processParameters": {},
        "properties": {},
        "preDeploymentGates": dict(gates),
        "postDeploymentGates": dict(gates),
        "environmentTriggers": [],
        "badgeUrl": ctx.urls.of("vsrm", f"_apis/public/Release/badge/{definition['project_id']}/"
                                        f"{definition['id']}/{env['id']}"),
    }


def definition_view(ctx: RequestContext, definition: dict, expand: set[str]) -> dict:
    project = ctx.world.projects[definition["project_id"]]
    url = ctx.urls.of("vsrm", f"{project.id}/_apis/Release/definitions/{definition['id']}")
    creator = _identity(ctx, definition["created_by"])
    view = {
        "source": "userInterface",
        "revision": definition["revision"],
        "description": definition["description"],
        "createdBy": creator,
        "createdOn": iso(definition["created"]),
        "modifiedBy": creator,
        "modifiedOn": iso(definition["created"]),
        "isDeleted": False,
        "releaseNameFormat": definition["release_name_format"],
        "properties": {},
        "id": definition["id"],
        "name": definition["name"],
        "path": definition["path"],
        "projectReference": None,
        "url": url,
        "_links": links(self=url, web=ctx.urls.of("main", f"{project.name}/_release?definitionId={definition['id']}")),
    }
    full = "*" in expand
    if full or "environments" in expand:
        view["environments"] = [_environment_view(ctx, definition, env) for env in definition["environments"]]
    if full or "artifacts" in expand:
        view["artifacts"] = [_artifact_view(a) for a in definition["artifacts"]]
    if full or "triggers" in expand:
        view["triggers"] = []
    if full or "variables" in expand:
        view["variables"] = {}
        view["variableGroups"] = []
    if full or "tags" in expand:
        view["tags"] = []
    return view


def _definitions_of(ctx: RequestContext) -> list[dict]:
    project = find_project(ctx.world, ctx.value("project"))
    return [d for d in ctx.world.release_definitions.values() if d["project_id"] == project.id]


@routes.get(DEFINITIONS)
def get_release_definitions(ctx: RequestContext):
    definitions = _definitions_of(ctx)
    definition_id = ctx.value("definitionId")
    if definition_id is not None:
        found = next((d for d in definitions if str(d["id"]) == definition_id), None)
        if found is None:
            raise not_found(f"VS402881: No definition found with id {definition_id}. Specify a valid id and try "
                            "again.", "ReleaseDefinitionNotFoundException")
        return definition_view(ctx, found, {"*"})
    search = (ctx.arg("searchText") or "").lower()
    exact = ctx.bool_arg("isExactNameMatch")
    if search:
        definitions = [d for d in definitions
                       if (d["name"].lower() == search if exact else search in d["name"].lower())]
    ids = {part.strip() for part in (ctx.arg("definitionIdFilter") or "").split(",") if part.strip()}
    if ids:
        definitions = [d for d in definitions if str(d["id"]) in ids]
    artifact_type = (ctx.arg("artifactType") or "").lower()
    if artifact_type:
        definitions = [d for d in definitions if any(a["type"].lower() == artifact_type for a in d["artifacts"])]
    definitions.sort(key=lambda d: d["name"].lower() if (ctx.arg("queryOrder") or "").startswith("name")
                     else d["id"])
    expand = {part.strip().lower() for part in (ctx.arg("$expand") or "").split(",") if part.strip()}
    expand.discard("none")
    chunk, token = page(definitions, ctx.arg("continuationToken"), ctx.page_size(ctx.int_arg("$top"), 50),
                        opaque=False)
    return collection([definition_view(ctx, d, expand) for d in chunk], token)


def _reference_id(reference: dict, key: str) -> str:
    value = reference.get(key)
    return str((value or {}).get("id") or (value or {}).get("name") or "") if isinstance(value, dict) else ""


def _artifact_from_body(raw: dict) -> dict:
    """The stored form of an artifact sent back by a client (the inverse of _artifact_view)."""
    if not isinstance(raw, dict) or not raw.get("alias") or not raw.get("type"):
        raise bad_request("Every artifact needs an alias and a type.", "InvalidRequestException")
    reference = raw.get("definitionReference") if isinstance(raw.get("definitionReference"), dict) else {}
    connection = reference.get("connection") if isinstance(reference.get("connection"), dict) else {}
    stored = {"alias": raw["alias"], "type": raw["type"], "is_primary": bool(raw.get("isPrimary")),
              "connection": str(connection.get("name") or ""), "connection_id": str(connection.get("id") or "")}
    if not stored["connection_id"]:
        raise bad_request(f"The artifact {raw['alias']} has no service connection (definitionReference.connection).",
                          "InvalidRequestException")
    if raw["type"] == "GitHub":
        return {**stored, "source": _reference_id(reference, "definition"),
                "branch": _reference_id(reference, "branch")}
    if raw["type"] == "AzureML":
        model = _reference_id(reference, "model")
        return {**stored, "source": model, "model_name": model, "workspace": _reference_id(reference, "workspace")}
    raise bad_request(f"Artifact type '{raw['type']}' is not available in this organization.",
                      "InvalidRequestException")


@routes.put(DEFINITIONS)
def update_release_definition(ctx: RequestContext):
    body = ctx.body()
    if not isinstance(body, dict) or not isinstance(body.get("id"), int):
        raise bad_request("The release definition to update must be a JSON object with its id.",
                          "InvalidRequestException")
    definitions = _definitions_of(ctx)
    found = next((d for d in definitions if d["id"] == body["id"]), None)
    if found is None:
        raise not_found(f"VS402881: No definition found with id {body['id']}. Specify a valid id and try again.",
                        "ReleaseDefinitionNotFoundException")
    if body.get("revision") != found["revision"]:
        raise ServiceError(409, f"The release pipeline '{found['name']}' was modified (revision {found['revision']}) "
                                f"after revision {body.get('revision')} that you sent. Refresh it and try again.",
                           "InvalidRequestException")
    name = (body.get("name") or "").strip()
    if not name:
        raise bad_request("Value cannot be null.\r\nParameter name: releaseDefinition.Name", "ArgumentNullException")
    if any(d["name"].lower() == name.lower() and d["id"] != found["id"] for d in definitions):
        raise bad_request(f"A release pipeline with name '{name}' already exists.", "InvalidRequestException")
    artifacts = body.get("artifacts")
    if artifacts is not None:
        if not isinstance(artifacts, list):
            raise bad_request("artifacts must be a list.", "InvalidRequestException")
        found["artifacts"] = [_artifact_from_body(a) for a in artifacts]
    found.update(name=name, description=body.get("description") or "", path=body.get("path") or found["path"],
                 revision=found["revision"] + 1)
    return definition_view(ctx, found, {"*"})
