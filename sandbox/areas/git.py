"""git: repositories (list/get/create/delete), refs and import requests (main origin)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from ..http.context import Reply, RequestContext, collection
from ..http.errors import ServiceError, bad_request, conflict, not_found
from ..http.paging import page
from ..http.routing import AreaRoutes
from ..naming import repository_name_problem
from ..state import imports
from ..state.model import ImportRequest, Project, Repository
from .core import find_project
from .views import identity_ref, links, project_reference

HOST = "main"
routes = AreaRoutes()

REPOSITORIES = "225f7195-f9c7-4d14-ab28-a83f7ff77e1f"
IMPORT_REQUESTS = "01828ddc-3600-4a41-8633-99b3a73a0eb3"
REFS = "2d874a60-a811-4f62-9c9f-963a6ea0a55b"


def _project_scope(ctx: RequestContext) -> Project | None:
    name = ctx.value("project")
    return find_project(ctx.world, name) if name else None


def find_repository(ctx: RequestContext, project: Project | None, id_or_name: str) -> Repository:
    repo = ctx.world.repository(project, id_or_name)
    if repo is None:
        raise not_found(
            f"TF401019: The Git repository with name or identifier {id_or_name} does not exist or you do not "
            "have permissions for the operation you are attempting.", "GitRepositoryNotFoundException")
    return repo


def repository_view(ctx: RequestContext, repo: Repository, with_links: bool = False) -> dict:
    project = ctx.world.projects[repo.project_id]
    api = ctx.urls.of("main", f"{project.id}/_apis/git/repositories/{repo.id}")
    web = ctx.urls.of("main", f"{project.name}/_git/{repo.name}")
    host = urlsplit(ctx.urls.main).netloc
    view = {
        "id": repo.id,
        "name": repo.name,
        "url": api,
        "project": project_reference(ctx.urls, project),
        "size": repo.size,
        "remoteUrl": web,
        "sshUrl": f"git@{host.split(':')[0]}:v3/{ctx.world.organization}/{project.name}/{repo.name}",
        "webUrl": web,
        "isDisabled": False,
        "isInMaintenance": False,
    }
    if repo.default_branch:
        view["defaultBranch"] = repo.default_branch
    if with_links:
        view["_links"] = links(
            self=api, project=ctx.urls.of("main", f"_apis/projects/{project.id}"), web=web,
            ssh=view["sshUrl"], commits=f"{api}/commits", refs=f"{api}/refs", pullRequests=f"{api}/pullRequests",
            items=f"{api}/items", pushes=f"{api}/pushes")
    return view


@routes.get(REPOSITORIES)
def get_repositories(ctx: RequestContext):
    imports.settle(ctx.world, ctx.now)
    project = _project_scope(ctx)
    repo_id = ctx.value("repositoryId")
    if repo_id is not None:
        return repository_view(ctx, find_repository(ctx, project, repo_id), with_links=True)
    include_links = ctx.bool_arg("includeLinks")
    return collection([repository_view(ctx, r, include_links) for r in ctx.world.repositories_of(project)])


@routes.post(REPOSITORIES)
def create_repository(ctx: RequestContext):
    body = ctx.body()
    if not isinstance(body, dict):
        raise bad_request("The repository to create must be a JSON object.")
    name = body.get("name")
    project_ref = body.get("project") or {}
    project = _project_scope(ctx) or find_project(ctx.world, project_ref.get("id") or project_ref.get("name"))
    if not isinstance(name, str) or repository_name_problem(name):
        raise ServiceError(400, "TF401025: 'repoName' is not a valid name for a Git repository.",
                           "InvalidGitRepositoryNameException")
    if ctx.world.repository(project, name) is not None:
        raise conflict(f"TF400948: A Git repository with the name {name} already exists.",
                       "GitRepositoryNameAlreadyExistsException")
    repo = Repository(id=str(uuid.uuid4()), name=name, project_id=project.id, created=ctx.now)
    ctx.world.repositories[repo.id] = repo
    return Reply(repository_view(ctx, repo, with_links=True), status=201)


@routes.delete(REPOSITORIES)
def delete_repository(ctx: RequestContext):
    project = _project_scope(ctx)
    repo_id = ctx.value("repositoryId")
    if repo_id is None:
        raise bad_request("A repository id is required.", "ArgumentNullException")
    repo = ctx.world.repositories.get(repo_id.lower())
    if repo is None or (project is not None and repo.project_id != project.id):
        raise not_found(
            f"TF401019: The Git repository with name or identifier {repo_id} does not exist or you do not "
            "have permissions for the operation you are attempting.", "GitRepositoryNotFoundException")
    del ctx.world.repositories[repo.id]
    for request_id in [i for i, r in ctx.world.import_requests.items() if r.repository_id == repo.id]:
        del ctx.world.import_requests[request_id]
    return Reply(None, status=204)


# ---- refs -------------------------------------------------------------------------------------

@routes.get(REFS)
def get_refs(ctx: RequestContext):
    imports.settle(ctx.world, ctx.now)
    repo = find_repository(ctx, _project_scope(ctx), ctx.value("repositoryId"))
    prefix = "refs/" + (ctx.arg("filter") or ctx.value("filter") or "")
    contains = (ctx.arg("filterContains") or "").lower()
    names = sorted(n for n in repo.refs if n.startswith(prefix) and contains in n.lower())
    chunk, token = page(names, ctx.arg("continuationToken"), ctx.page_size(ctx.int_arg("$top"), 1000))
    project = ctx.world.projects[repo.project_id]
    creator = ctx.world.subjects.get(ctx.pat_owner)
    refs = []
    for name in chunk:
        ref = {
            "name": name,
            "objectId": repo.refs[name],
            "url": ctx.urls.of("main", f"{project.id}/_apis/git/repositories/{repo.id}/refs?filter={name[5:]}"),
        }
        if creator is not None:
            ref["creator"] = identity_ref(ctx.urls, creator)
        refs.append(ref)
    return collection(refs, token)


# ---- import requests ------------------------------------------------------------------------

def _import_view(ctx: RequestContext, request: ImportRequest) -> dict:
    repo = ctx.world.repositories[request.repository_id]
    project = ctx.world.projects[repo.project_id]
    status, step = imports.status_of(request, ctx.now)
    url = ctx.urls.of("main", f"{project.id}/_apis/git/repositories/{repo.id}/importRequests/{request.id}")
    detailed = {"currentStep": step, "allSteps": list(imports.ALL_STEPS)}
    if status == "failed":
        detailed["errorMessage"] = request.failure
    parameters = {
        "gitSource": {"url": imports.redact_credentials(request.source_url), "overwrite": request.overwrite},
        "deleteServiceEndpointAfterImportIsDone": request.delete_endpoint_after,
    }
    if request.service_endpoint_id:
        parameters["serviceEndpointId"] = request.service_endpoint_id
    return {
        "importRequestId": request.id,
        "repository": repository_view(ctx, repo),
        "parameters": parameters,
        "status": status,
        "detailedStatus": detailed,
        "url": url,
        "_links": links(self=url, repository=repository_view(ctx, repo)["url"]),
    }


def _endpoint_token(ctx: RequestContext, endpoint_id: str | None, project: Project) -> str | None:
    if not endpoint_id:
        return None
    endpoint = ctx.world.service_endpoints.get(str(endpoint_id).lower())
    if endpoint is None or endpoint.project_id != project.id:
        raise bad_request(f"The service endpoint {endpoint_id} could not be found.",
                          "ServiceEndpointNotFoundException")
    parameters = endpoint.authorization.get("parameters") or {}
    return parameters.get("accessToken") or parameters.get("password") or parameters.get("apitoken")


@routes.post(IMPORT_REQUESTS)
def create_import_request(ctx: RequestContext):
    imports.settle(ctx.world, ctx.now)
    project = _project_scope(ctx)
    repo = find_repository(ctx, project, ctx.value("repositoryId"))
    project = ctx.world.projects[repo.project_id]
    body = ctx.body()
    parameters = (body or {}).get("parameters") or {}
    source = parameters.get("gitSource") or {}
    url = source.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise bad_request("The import request must have a valid git source URL (parameters.gitSource.url).")
    active = [r for r in ctx.world.import_requests.values() if r.repository_id == repo.id
              and imports.status_of(r, ctx.now)[0] in ("queued", "inProgress")]
    if active:
        raise conflict(f"An import request is already in progress for repository {repo.name}.",
                       "GitAsyncOperationAlreadyExistsException")
    if repo.refs and not source.get("overwrite"):
        raise conflict(f"TF401354: Import is only supported into an empty repository. The repository "
                       f"{repo.name} is not empty.", "GitImportForbiddenOnNonEmptyRepository")
    endpoint_id = str(parameters["serviceEndpointId"]).lower() if parameters.get("serviceEndpointId") else None
    token = _endpoint_token(ctx, endpoint_id, project)
    remote = ctx.world.remote(url)
    request = ImportRequest(
        id=max(ctx.world.import_requests, default=0) + 1, repository_id=repo.id,
        source_url=imports.redact_credentials(url),
        overwrite=bool(source.get("overwrite")), service_endpoint_id=endpoint_id,
        delete_endpoint_after=bool(parameters.get("deleteServiceEndpointAfterImportIsDone")),
        created=ctx.now, run_seconds=float(remote["import_seconds"]) if remote else 2.0,
        remote=remote, failure=imports.decide_failure(ctx.world, ctx.now, url, token, remote),
    )
    ctx.world.import_requests[request.id] = request
    return Reply(_import_view(ctx, request), status=201)


@routes.get(IMPORT_REQUESTS)
def get_import_requests(ctx: RequestContext):
    imports.settle(ctx.world, ctx.now)
    repo = find_repository(ctx, _project_scope(ctx), ctx.value("repositoryId"))
    request_id = ctx.value("importRequestId")
    if request_id is None:
        requests = [r for r in ctx.world.import_requests.values() if r.repository_id == repo.id]
        return collection([_import_view(ctx, r) for r in sorted(requests, key=lambda r: r.id)])
    request = ctx.world.import_requests.get(int(request_id)) if request_id.isdigit() else None
    if request is None or request.repository_id != repo.id:
        raise not_found(f"The import request {request_id} could not be found for repository {repo.name}.",
                        "GitAsyncOperationNotFoundException")
    return _import_view(ctx, request)


