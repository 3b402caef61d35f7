"""Git repositories and import requests, as plain data (no SDK types leave this module).

A private source is imported the way Azure DevOps documents it: its credentials go into a temporary service
connection of type "git" (Other Git, scheme UsernamePassword, url = the source without credentials), and the import
request names it with ``serviceEndpointId`` and ``deleteServiceEndpointAfterImportIsDone``; the URL sent carries no
credentials. The SDK logs request bodies at DEBUG: the connection's secret is masked in those records.
"""

from __future__ import annotations

import secrets
from urllib.parse import unquote, urlsplit

from bot.errors import AlreadyExists
from bot.redaction import redact_url, scrub_secrets
from bot.services.devops.client import DevOpsClient, SdkClients
from bot.services.devops.model import GitCredentials, ImportStatus, Repository
from bot.services.devops.projects import project_id

IMPORT_CONNECTION_PREFIX = "import-"


class RepositoryExists(AlreadyExists):
    """A repository of that name exists already (someone created it meanwhile); ``existing`` is it if readable."""

    def __init__(self, error: AlreadyExists, existing: Repository | None) -> None:
        super().__init__(error.message, next_step=error.next_step, title=error.title, answer=error.answer)
        self.existing = existing


def _repository(r: object) -> Repository:
    branch = getattr(r, "default_branch", None) or ""
    return Repository(
        id=str(getattr(r, "id", "")),
        name=str(getattr(r, "name", "")),
        default_branch=branch.removeprefix("refs/heads/"),
        https_url=getattr(r, "remote_url", None) or "",
        ssh_url=getattr(r, "ssh_url", None) or "",
        web_url=getattr(r, "web_url", None) or getattr(r, "remote_url", None) or "",
        size=int(getattr(r, "size", 0) or 0),
        is_disabled=bool(getattr(r, "is_disabled", False)),
    )


def _import_status(request: object) -> ImportStatus:
    detail = getattr(request, "detailed_status", None)
    return ImportStatus(
        request_id=int(getattr(request, "import_request_id", 0) or 0),
        status=str(getattr(request, "status", "") or ""),
        step=int(getattr(detail, "current_step", 0) or 0) if detail else 0,
        steps=tuple(getattr(detail, "all_steps", None) or ()) if detail else (),
        error=scrub_secrets(getattr(detail, "error_message", None) or "") if detail else "",
    )


async def list_repositories(devops: DevOpsClient) -> list[Repository]:
    project = devops.project
    found = await devops.call(lambda c: c.git.get_repositories(project), idempotent=True, what="list repositories")
    return sorted((_repository(r) for r in found or []), key=lambda r: r.name.lower())


async def find_repository(devops: DevOpsClient, name: str) -> Repository | None:
    project = devops.project
    found = await devops.find(lambda c: c.git.get_repository(name, project), what="find repository")
    return _repository(found) if found is not None else None


async def create_repository(devops: DevOpsClient, name: str) -> Repository:
    """Creates ``name``. Never sends the create twice: a failed attempt is followed by a lookup; a repository that
    exists already (created by someone else) raises RepositoryExists."""
    from azure.devops.v7_1.git.models import GitRepositoryCreateOptions

    project = devops.project

    def create(c: SdkClients) -> object:
        return c.git.create_repository(GitRepositoryCreateOptions(name=name), project)

    async def verify() -> object | None:
        return await devops.find(lambda c: c.git.get_repository(name, project), what="did the create take effect")

    try:
        created = await devops.call(create, idempotent=False, verify=verify, what="create repository")
    except AlreadyExists as exc:
        raise RepositoryExists(exc, await find_repository(devops, name)) from None
    return _repository(created)


async def start_import(devops: DevOpsClient, repository: Repository, url: str,
                       connection_id: str | None = None) -> ImportStatus:
    """Asks Azure DevOps to import ``url`` (no credentials in it) into the (empty) repository, through the service
    connection ``connection_id`` for a private source (deleted by Azure DevOps when the import is done). Sent once:
    after a failure, the repository's import requests are read before any retry."""
    from azure.devops.v7_1.git.models import GitImportGitSource, GitImportRequest, GitImportRequestParameters

    project, repo_id = devops.project, repository.id
    parameters = GitImportRequestParameters(git_source=GitImportGitSource(url=url))
    if connection_id:
        parameters.service_endpoint_id = connection_id
        parameters.delete_service_endpoint_after_import_is_done = True

    def create(c: SdkClients) -> object:
        return c.git.create_import_request(GitImportRequest(parameters=parameters), project, repo_id)

    async def verify() -> object | None:
        existing = await devops.call(lambda c: c.git.query_import_requests(project, repo_id),
                                     idempotent=True, what="did the import request take effect")
        return existing[-1] if existing else None

    return _import_status(await devops.call(create, idempotent=False, verify=verify, what="start import"))


async def latest_import(devops: DevOpsClient, repository_id: str) -> ImportStatus | None:
    """The repository's newest import request, or None when nothing was ever imported into it."""
    project = devops.project
    requests = await devops.call(lambda c: c.git.query_import_requests(project, repository_id, include_abandoned=True),
                                 idempotent=True, what="read the import requests")
    newest = max(requests or [], key=lambda r: int(getattr(r, "import_request_id", 0) or 0), default=None)
    return _import_status(newest) if newest is not None else None


async def import_status(devops: DevOpsClient, repository_id: str, request_id: int) -> ImportStatus:
    project = devops.project
    request = await devops.call(lambda c: c.git.get_import_request(project, repository_id, request_id),
                                idempotent=True, what="import progress")
    return _import_status(request)


# ---- private sources: a temporary "git" service connection holds the credentials ----------------------------------
def split_credentials(url: str) -> tuple[str, GitCredentials | None]:
    """``https://user:token@host/path`` -> (``https://host/path``, the credentials); a lone ``token@`` is the
    password (Git hosts take a token as either)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    if not password:
        username, password = "", username
    return redact_url(url), GitCredentials(username, password)


async def create_import_connection(devops: DevOpsClient, repository_name: str, url: str,
                                   credentials: GitCredentials) -> str:
    """Creates the temporary "git" service connection an import of the private ``url`` uses; returns its id.
    Sent once: its name is unique, so after a failed attempt a lookup by name tells whether it took effect."""
    from azure.devops.v7_1.service_endpoint.models import (
        EndpointAuthorization,
        ProjectReference,
        ServiceEndpoint,
        ServiceEndpointProjectReference,
    )

    project = devops.project
    project_ref = ProjectReference(id=await project_id(devops), name=project)
    name = f"{IMPORT_CONNECTION_PREFIX}{repository_name}-{secrets.token_hex(4)}"[:120]
    endpoint = ServiceEndpoint(
        name=name, type="git", url=url, description=f"Temporary: import of {url} into {repository_name}.",
        authorization=EndpointAuthorization(scheme="UsernamePassword", parameters={
            "username": credentials.username, "password": credentials.password}),
        service_endpoint_project_references=[ServiceEndpointProjectReference(
            name=name, project_reference=project_ref)])

    def create(c: SdkClients) -> object:
        return c.service_endpoints.create_service_endpoint(endpoint)

    async def verify() -> object | None:
        listed = await devops.call(lambda c: c.service_endpoints.get_service_endpoints_by_names(project, [name]),
                                   idempotent=True, what="did the service connection create take effect")
        return next((e for e in listed or [] if getattr(e, "name", "") == name), None)

    created = await devops.call(create, idempotent=False, verify=verify, what="create the import's service connection")
    return str(created.id)


async def discard_import_connection(devops: DevOpsClient, connection_id: str) -> bool:
    """Deletes the temporary connection if it still exists (Azure DevOps deletes it when the import is done;
    this covers an import request that was never made). True when one was deleted."""
    project = devops.project
    found = await devops.find(lambda c: c.service_endpoints.get_service_endpoint_details(project, connection_id),
                              what="is the import's service connection still there")
    if found is None:
        return False
    project_ids = [await project_id(devops)]
    await devops.find(lambda c: c.service_endpoints.delete_service_endpoint(connection_id, project_ids),
                      what="delete the import's service connection")
    return True
