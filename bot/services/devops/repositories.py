"""Git repositories and import requests, as plain data (no SDK types leave this module)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import AlreadyExists
from bot.naming import scrub_credentials
from bot.services.devops.client import DevOpsClient, SdkClients


@dataclass(frozen=True)
class Repository:
    id: str
    name: str
    default_branch: str  # "main" (without refs/heads/), "" for an empty repository
    https_url: str
    ssh_url: str
    web_url: str
    size: int = 0

    @property
    def empty(self) -> bool:
        return not self.default_branch and not self.size


@dataclass(frozen=True)
class ImportStatus:
    request_id: int
    status: str  # queued | inProgress | completed | failed | abandoned
    step: int
    steps: tuple[str, ...]
    error: str = ""  # credentials scrubbed

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "abandoned")


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
    )


def _import_status(request: object) -> ImportStatus:
    detail = getattr(request, "detailed_status", None)
    return ImportStatus(
        request_id=int(getattr(request, "import_request_id", 0) or 0),
        status=str(getattr(request, "status", "") or ""),
        step=int(getattr(detail, "current_step", 0) or 0) if detail else 0,
        steps=tuple(getattr(detail, "all_steps", None) or ()) if detail else (),
        error=scrub_credentials(getattr(detail, "error_message", None) or "") if detail else "",
    )


async def list_repositories(devops: DevOpsClient) -> list[Repository]:
    project = devops.project
    found = await devops.call(lambda c: c.git.get_repositories(project), idempotent=True, what="list repositories")
    return sorted((_repository(r) for r in found or []), key=lambda r: r.name.lower())


async def find_repository(devops: DevOpsClient, name: str) -> Repository | None:
    project = devops.project
    found = await devops.find(lambda c: c.git.get_repository(name, project), what="find repository")
    return _repository(found) if found is not None else None


async def create_repository(devops: DevOpsClient, name: str) -> tuple[Repository, bool]:
    """Creates ``name``; returns (repository, created). Never sends the create twice: a failed attempt is
    followed by a lookup, and a repository that exists already (created by someone else) raises AlreadyExists
    with ``.existing`` set."""
    from azure.devops.v7_1.git.models import GitRepositoryCreateOptions

    project = devops.project

    def create(c: SdkClients) -> object:
        return c.git.create_repository(GitRepositoryCreateOptions(name=name), project)

    async def verify() -> object | None:
        return await devops.find(lambda c: c.git.get_repository(name, project), what="did the create take effect")

    try:
        created = await devops.call(create, idempotent=False, verify=verify, what="create repository")
    except AlreadyExists as exc:
        existing = await find_repository(devops, name)
        exc.existing = existing  # type: ignore[attr-defined]
        raise
    return _repository(created), True


async def start_import(devops: DevOpsClient, repository: Repository, url: str) -> ImportStatus:
    """Asks Azure DevOps to import ``url`` into the (empty) repository. Sent once: after a failure, the
    repository's import requests are read before any retry."""
    from azure.devops.v7_1.git.models import GitImportGitSource, GitImportRequest, GitImportRequestParameters

    project, repo_id = devops.project, repository.id

    def create(c: SdkClients) -> object:
        request = GitImportRequest(parameters=GitImportRequestParameters(git_source=GitImportGitSource(url=url)))
        return c.git.create_import_request(request, project, repo_id)

    async def verify() -> object | None:
        existing = await devops.call(lambda c: c.git.query_import_requests(project, repo_id),
                                     idempotent=True, what="did the import request take effect")
        return existing[-1] if existing else None

    return _import_status(await devops.call(create, idempotent=False, verify=verify, what="start import"))


async def import_status(devops: DevOpsClient, repository_id: str, request_id: int) -> ImportStatus:
    project = devops.project
    request = await devops.call(lambda c: c.git.get_import_request(project, repository_id, request_id),
                                idempotent=True, what="import progress")
    return _import_status(request)
