"""The organization as one in-memory object graph, with the lookups and rules areas share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from .ids import stable_id, user_descriptor
from .model import (
    Entitlement,
    EntraApp,
    ExecutionRecord,
    GitHubToken,
    ImportRequest,
    InstalledExtension,
    Project,
    Repository,
    SecureFile,
    ServiceEndpoint,
    Subject,
    Team,
)


@dataclass
class Person:
    """Someone in the Entra tenant (the directory), whether or not they are in the organization."""

    key: str
    display_name: str
    given_name: str
    surname: str
    upn: str
    object_id: str


@dataclass
class World:
    organization: str
    tenant_id: str
    domain: str
    seeded_at: datetime
    access_levels: dict[str, dict]
    project_group_types: dict[str, str]
    directory: dict[str, Person]  # by lower-case UPN
    remotes: list[dict]
    projects: dict[str, Project] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)  # by storage key
    memberships: set[tuple[str, str]] = field(default_factory=set)  # (member key, container key)
    entitlements: dict[str, Entitlement] = field(default_factory=dict)  # by user storage key
    repositories: dict[str, Repository] = field(default_factory=dict)
    import_requests: dict[int, ImportRequest] = field(default_factory=dict)
    service_endpoints: dict[str, ServiceEndpoint] = field(default_factory=dict)
    execution_records: list[ExecutionRecord] = field(default_factory=list)
    extensions: list[InstalledExtension] = field(default_factory=list)
    marketplace: list[dict] = field(default_factory=list)  # extensions that can be installed
    secure_files: dict[str, SecureFile] = field(default_factory=dict)
    release_definitions: dict[int, dict] = field(default_factory=dict)
    releases: dict[int, dict] = field(default_factory=dict)  # classic releases (sandbox/state/releases.py)
    approvals: dict[int, dict] = field(default_factory=dict)  # their pre-deployment approvals, by id
    next_release_id: int = 1
    next_approval_id: int = 1
    release_admins: set[str] = field(default_factory=set)  # hold "Administer release permissions" directly
    latest_versions: dict[str, str] = field(default_factory=dict)  # artifact alias -> newest version
    pipelines: dict[int, dict] = field(default_factory=dict)  # YAML pipelines, runs, environments, approvals
    runs: dict[int, dict] = field(default_factory=dict)
    environments: dict[int, dict] = field(default_factory=dict)
    pipeline_approvals: dict[str, dict] = field(default_factory=dict)
    entra_apps: dict[str, EntraApp] = field(default_factory=dict)
    github_tokens: list[GitHubToken] = field(default_factory=list)
    page_size: int | None = None  # caps every page, so tests can page through a small world
    service_hooks: object = None  # subscriptions and notifications (sandbox/state/hooks.py state_of)

    # ---- projects and teams -------------------------------------------------------------
    def project(self, id_or_name: str | None) -> Project | None:
        if not id_or_name:
            return None
        wanted = id_or_name.lower()
        return next((p for p in self.projects.values() if wanted in (p.id, p.name.lower())), None)

    def team(self, project: Project, id_or_name: str) -> Team | None:
        wanted = id_or_name.lower()
        return next((t for t in self.teams.values()
                     if t.project_id == project.id and wanted in (t.id, t.name.lower())), None)

    def teams_of(self, project: Project) -> list[Team]:
        return sorted((t for t in self.teams.values() if t.project_id == project.id), key=lambda t: t.name.lower())

    # ---- graph ---------------------------------------------------------------------------
    def subject_by_descriptor(self, descriptor: str) -> Subject | None:
        return next((s for s in self.subjects.values() if s.descriptor == descriptor), None)

    def user_by_principal_name(self, principal_name: str) -> Subject | None:
        wanted = principal_name.lower()
        return next((s for s in self.subjects.values()
                     if s.kind == "user" and s.principal_name.lower() == wanted), None)

    def user_by_origin_id(self, origin_id: str) -> Subject | None:
        return next((s for s in self.subjects.values() if s.kind == "user" and s.origin_id == origin_id), None)

    def group(self, project_id: str | None, name: str) -> Subject | None:
        wanted = name.lower()
        return next((s for s in self.subjects.values()
                     if s.kind == "group" and s.project_id == project_id and s.display_name.lower() == wanted), None)

    def users(self) -> list[Subject]:
        return sorted((s for s in self.subjects.values() if s.kind == "user"), key=lambda s: s.display_name.lower())

    def groups(self) -> list[Subject]:
        return sorted((s for s in self.subjects.values() if s.kind == "group"), key=lambda s: s.principal_name.lower())

    def is_member(self, member_key: str, container_key: str) -> bool:
        """Whether ``member_key`` is ``container_key`` or (transitively) one of its members."""
        seen, todo = set(), [member_key]
        while todo:
            key = todo.pop()
            if key == container_key:
                return True
            if key not in seen:
                seen.add(key)
                todo.extend(self.direct_containers(key))
        return False

    def add_membership(self, member_key: str, container_key: str) -> bool:
        """Add a direct membership; False if it already existed."""
        pair = (member_key, container_key)
        if pair in self.memberships:
            return False
        self.memberships.add(pair)
        return True

    def direct_members(self, container_key: str) -> list[str]:
        return [member for member, container in self.memberships if container == container_key]

    def direct_containers(self, member_key: str) -> list[str]:
        return [container for member, container in self.memberships if member == member_key]

    def materialize_user(self, person: Person) -> Subject:
        """The graph user for someone in the directory, created on first use as Azure DevOps does."""
        existing = self.user_by_origin_id(person.object_id)
        if existing:
            return existing
        key = stable_id("user", person.upn)
        user = Subject(
            storage_key=key, descriptor=user_descriptor(key), kind="user", display_name=person.display_name,
            principal_name=person.upn, origin="aad", origin_id=person.object_id, domain=self.tenant_id,
            mail=person.upn, given_name=person.given_name, surname=person.surname,
        )
        self.subjects[key] = user
        return user

    # ---- git -----------------------------------------------------------------------------
    def repositories_of(self, project: Project | None) -> list[Repository]:
        repos = [r for r in self.repositories.values() if project is None or r.project_id == project.id]
        return sorted(repos, key=lambda r: r.name.lower())

    def repository(self, project: Project | None, id_or_name: str) -> Repository | None:
        wanted = id_or_name.lower()
        return next((r for r in self.repositories_of(project) if wanted in (r.id, r.name.lower())), None)

    def remote(self, url: str) -> dict | None:
        wanted = _normalize_remote(url)
        return next((r for r in self.remotes if _normalize_remote(r["url"]) == wanted), None)

    # ---- service endpoints ---------------------------------------------------------------
    def entra_app(self, app_id: str) -> EntraApp | None:
        return self.entra_apps.get((app_id or "").lower())

    def github_token(self, value: str) -> GitHubToken | None:
        return next((t for t in self.github_tokens if t.value == value), None)


def _normalize_remote(url: str) -> str:
    """Compare remotes as git does: scheme/host case-insensitive, no credentials, no .git, no /."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if path.endswith(".git"):
        path = path[:-4]
    return f"{parts.scheme.lower()}://{host}{path.lower()}"
