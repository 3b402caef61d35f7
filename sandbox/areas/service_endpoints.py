"""serviceEndpoint: service connections (create, read, update, delete), TestConnection through endpointproxy,
execution history.

Secrets are stored (TestConnection needs them) and never returned; an update that leaves a secret
out keeps the stored one, as the service does. A create is checked against the known endpoint types
(``state/endpoint_types.py``).
"""

from __future__ import annotations

import uuid

from ..clock import iso
from ..http.context import RequestContext, collection
from ..http.errors import ServiceError, bad_request, not_found
from ..http.paging import page
from ..http.routing import AreaRoutes
from ..state import credentials, endpoint_types, imports
from ..state.endpoint_types import is_secret as _is_secret
from ..state.model import ExecutionRecord, ServiceEndpoint
from .core import find_project
from .views import identity_ref, links

HOST = "main"
routes = AreaRoutes()

ENDPOINTS = "e85f1c62-adfc-4b74-b618-11a150fb195e"
ENDPOINTS_ORG = "14e48fdc-2c8b-41ce-a0c3-e26f6cc55bd0"
ENDPOINT_PROXY = "cc63bb57-2a5f-4a7a-b79c-c142d308657e"
EXECUTION_HISTORY = "10a16738-9299-4cd1-9a81-fd23ad6200d0"


def endpoint_view(ctx: RequestContext, endpoint: ServiceEndpoint) -> dict:
    project = ctx.world.projects[endpoint.project_id]
    parameters = {k: v for k, v in (endpoint.authorization.get("parameters") or {}).items() if not _is_secret(k)}
    return {
        "data": dict(endpoint.data),
        "id": endpoint.id,
        "name": endpoint.name,
        "type": endpoint.type,
        "url": endpoint.url,
        "createdBy": identity_ref(ctx.urls, ctx.world.subjects[endpoint.created_by]),
        "description": endpoint.description,
        "authorization": {"parameters": parameters, "scheme": endpoint.authorization.get("scheme")},
        "isShared": False,
        "isReady": endpoint.is_ready,
        "owner": "Library",
        "serviceEndpointProjectReferences": [{
            "projectReference": {"id": project.id, "name": project.name},
            "name": endpoint.name,
            "description": endpoint.description,
        }],
        "operationStatus": {"state": "Ready", "statusMessage": ""},
    }


def find_endpoint(ctx: RequestContext, endpoint_id: str | None, project_id: str | None = None) -> ServiceEndpoint:
    endpoint = ctx.world.service_endpoints.get((endpoint_id or "").lower())
    if endpoint is None or (project_id is not None and endpoint.project_id != project_id):
        raise not_found(f"Service connection with id '{endpoint_id}' could not be found.",
                        "ServiceEndpointNotFoundException")
    return endpoint


def _csv(raw: str | None) -> set[str]:
    return {part.strip().lower() for part in (raw or "").split(",") if part.strip()}


@routes.get(ENDPOINTS)
def get_service_endpoints(ctx: RequestContext):
    imports.settle(ctx.world, ctx.now)  # a finished import may delete its endpoint
    project = find_project(ctx.world, ctx.value("project"))
    endpoint_id = ctx.value("endpointId")
    if endpoint_id is not None:
        return endpoint_view(ctx, find_endpoint(ctx, endpoint_id, project.id))
    wanted_type = (ctx.arg("type") or "").lower()
    schemes, ids, names = _csv(ctx.arg("authSchemes")), _csv(ctx.arg("endpointIds")), _csv(ctx.arg("endpointNames"))
    endpoints = [
        e for e in ctx.world.service_endpoints.values()
        if e.project_id == project.id
        and (not wanted_type or e.type.lower() == wanted_type)
        and (not schemes or (e.authorization.get("scheme") or "").lower() in schemes)
        and (not ids or e.id in ids)
        and (not names or e.name.lower() in names)
    ]
    endpoints.sort(key=lambda e: e.name.lower())
    return collection([endpoint_view(ctx, e) for e in endpoints])


def _null(parameter: str) -> ServiceError:
    return bad_request(f"Value cannot be null.\r\nParameter name: {parameter}", "ArgumentNullException")


def _duplicate(ctx: RequestContext, project_id: str, name: str, except_id: str | None = None) -> None:
    if any(e.name.lower() == name.lower() and e.project_id == project_id and e.id != except_id
           for e in ctx.world.service_endpoints.values()):
        raise ServiceError(409, f"A service connection with name {name} already exists.",
                           "DuplicateServiceConnectionException")


@routes.post(ENDPOINTS_ORG)
def create_service_endpoint(ctx: RequestContext):
    body = ctx.body()
    if not isinstance(body, dict):
        raise bad_request("The service connection must be a JSON object.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _null("endpoint.Name")
    references = body.get("serviceEndpointProjectReferences") or []
    if not isinstance(references, list) or not references:
        raise _null("endpoint.ServiceEndpointProjectReferences")
    project_ids = [((r or {}).get("projectReference") or {}).get("id") for r in references if isinstance(r, dict)]
    if not project_ids or not all(project_ids):
        raise _null("endpoint.ServiceEndpointProjectReferences.ProjectReference.Id")
    project = find_project(ctx.world, str(project_ids[0]))
    authorization = body.get("authorization") if isinstance(body.get("authorization"), dict) else {}
    parameters = authorization.get("parameters") if isinstance(authorization.get("parameters"), dict) else {}
    url = body.get("url") or ""
    problem = endpoint_types.problem(str(body.get("type") or ""), str(authorization.get("scheme") or ""),
                                     parameters, url)
    if problem:
        raise bad_request(problem, "ArgumentException")
    _duplicate(ctx, project.id, name.strip())
    endpoint = ServiceEndpoint(
        id=str(uuid.uuid4()), name=name.strip(), type=endpoint_types.TYPES[body["type"].lower()].name, url=url,
        description=body.get("description") or "",
        authorization={"scheme": authorization["scheme"],
                       "parameters": {k: v for k, v in parameters.items() if v is not None}},
        data=dict(body["data"]) if isinstance(body.get("data"), dict) else {},
        project_id=project.id, created_by=ctx.pat_owner,
    )
    ctx.world.service_endpoints[endpoint.id] = endpoint
    return endpoint_view(ctx, endpoint)


@routes.put(ENDPOINTS_ORG)
def update_service_endpoint(ctx: RequestContext):
    endpoint = find_endpoint(ctx, ctx.value("endpointId"))
    body = ctx.body()
    if not isinstance(body, dict):
        raise bad_request("The service connection must be a JSON object.")
    if body.get("id") and str(body["id"]).lower() != endpoint.id:
        raise bad_request(f"The service connection id in the body ({body['id']}) does not match the URL.",
                          "ArgumentException")
    name = body.get("name") or endpoint.name
    _duplicate(ctx, endpoint.project_id, name, except_id=endpoint.id)
    authorization = body.get("authorization")
    if authorization is not None:
        old = endpoint.authorization.get("parameters") or {}
        new = dict(authorization.get("parameters") or {})
        for key, value in old.items():
            if _is_secret(key) and not new.get(key):
                new[key] = value
        endpoint.authorization = {"scheme": authorization.get("scheme") or endpoint.authorization.get("scheme"),
                                  "parameters": {k: v for k, v in new.items() if v is not None}}
    endpoint.name = name
    endpoint.description = body.get("description", endpoint.description) or ""
    endpoint.url = body.get("url") or endpoint.url
    if isinstance(body.get("data"), dict):
        endpoint.data = dict(body["data"])
    return endpoint_view(ctx, endpoint)


@routes.delete(ENDPOINTS_ORG)
def delete_service_endpoint(ctx: RequestContext):
    endpoint = find_endpoint(ctx, ctx.value("endpointId"))
    del ctx.world.service_endpoints[endpoint.id]
    return None


def _judge(ctx: RequestContext, endpoint: ServiceEndpoint, details: dict | None) -> credentials.Verdict:
    """TestConnection: ask the outside world about the credential (stored, or given in the request)."""
    authorization = endpoint.authorization
    if details and isinstance(details.get("authorization"), dict):
        given = details["authorization"]
        parameters = dict(authorization.get("parameters") or {})
        parameters.update({k: v for k, v in (given.get("parameters") or {}).items() if v})
        authorization = {"scheme": given.get("scheme") or authorization.get("scheme"), "parameters": parameters}
    scheme = (authorization.get("scheme") or "").lower()
    parameters = {k.lower(): v for k, v in (authorization.get("parameters") or {}).items()}
    if endpoint.type.lower() == "azurerm" and scheme == "serviceprincipal":
        verdict = credentials.service_principal(ctx.world, ctx.now, parameters.get("tenantid"),
                                                parameters.get("serviceprincipalid"),
                                                parameters.get("serviceprincipalkey"))
        if verdict.ok:
            return credentials.Verdict(True, "ok", [endpoint.data.get("subscriptionName", "")])
        return verdict
    if endpoint.type.lower() == "github":
        return credentials.github_token(ctx.world, ctx.now, parameters.get("accesstoken") or parameters.get("apitoken"))
    if endpoint.type.lower() == "git":
        return credentials.git_remote(ctx.world, ctx.now, endpoint.url, parameters.get("password"))
    return credentials.Verdict(True, "ok", [])


@routes.post(ENDPOINT_PROXY)
def execute_service_endpoint_request(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    endpoint = find_endpoint(ctx, ctx.arg("endpointId"), project.id)
    body = ctx.body()
    data_source = ((body or {}).get("dataSourceDetails") or {}).get("dataSourceName") or ""
    if data_source.lower() != "testconnection":
        raise ServiceError(400, f"Unable to find data source {data_source!r} for service connection type "
                                f"{endpoint.type!r}.", "ServiceEndpointQueryFailedException")
    verdict = _judge(ctx, endpoint, (body or {}).get("serviceEndpointDetails"))
    return {"result": verdict.result, "statusCode": verdict.status_code, "errorMessage": verdict.error}


def execution_view(ctx: RequestContext, record: ExecutionRecord) -> dict:
    project = ctx.world.projects[ctx.world.service_endpoints[record.endpoint_id].project_id]
    release = ctx.urls.of("vsrm", f"{project.id}/_apis/Release")
    web = ctx.urls.of("main", f"{project.name}/_release")
    return {
        "data": {
            "id": record.id,
            "definition": {"id": record.definition_id, "name": record.definition_name,
                           "_links": links(web=f"{web}?definitionId={record.definition_id}",
                                           self=f"{release}/definitions/{record.definition_id}")},
            "owner": {"id": record.id, "name": f"Release-{record.id}",
                      "_links": links(web=f"{web}?releaseId={record.id}", self=f"{release}/releases/{record.id}")},
            "planType": record.plan_type,
            "result": record.result,
            "startTime": iso(record.started),
            "finishTime": iso(record.finished),
        },
        "endpointId": record.endpoint_id,
    }


@routes.get(EXECUTION_HISTORY)
def get_execution_records(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    endpoint = find_endpoint(ctx, ctx.value("endpointId"), project.id)
    records = sorted((r for r in ctx.world.execution_records if r.endpoint_id == endpoint.id),
                     key=lambda r: r.started, reverse=True)
    chunk, token = page(records, ctx.arg("continuationToken"), ctx.page_size(ctx.int_arg("top"), 50), opaque=False)
    return collection([execution_view(ctx, r) for r in chunk], token)
