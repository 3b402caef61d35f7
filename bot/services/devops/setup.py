"""What the workshop's setup consists of, read from Azure DevOps as plain data: the project and its team with its
members, a repository, secure files, an installed extension, release definitions with their artifacts.

Every lookup of one thing answers None when it does not exist (a 404), so a readiness check can say what is
missing instead of failing. Other failures (throttling, outages) raise the bot's errors (see client.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bot.services.devops.client import DevOpsClient

SECURE_FILES_LOCATION = "adcfd8bc-b184-43ba-bd84-7c8c6a2ff421"  # distributedtask/securefiles (no SDK method)
SECURE_FILES_VERSION = "7.1-preview.1"
RELEASE_DEFINITIONS_LOCATION = "d8f96f24-8ea7-4cb6-baab-2df8fc515665"
RELEASE_DEFINITIONS_VERSION = "7.1-preview.4"
AZURE_ML_ARTIFACT = "AzureML"  # the artifact type of the Machine Learning extension
MAX_PAGES = 20


@dataclass(frozen=True)
class ProjectInfo:
    id: str
    name: str
    web_url: str = ""


@dataclass(frozen=True)
class TeamInfo:
    id: str
    name: str
    project: str


@dataclass(frozen=True)
class Member:
    name: str
    unique_name: str = ""
    is_admin: bool = False


@dataclass(frozen=True)
class RepositoryInfo:
    id: str
    name: str
    default_branch: str = ""
    size: int = 0
    web_url: str = ""
    is_disabled: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.default_branch


@dataclass(frozen=True)
class SecureFileInfo:
    id: str
    name: str


@dataclass(frozen=True)
class ExtensionInfo:
    publisher_id: str
    extension_id: str
    name: str
    version: str = ""
    flags: str = ""

    @property
    def full_id(self) -> str:
        return f"{self.publisher_id}.{self.extension_id}"

    @property
    def is_disabled(self) -> bool:
        return "disabled" in self.flags.lower()


@dataclass(frozen=True)
class ArtifactInfo:
    alias: str
    type: str
    connection_id: str = ""
    connection_name: str = ""
    model: str = ""  # for an Azure ML model artifact

    @property
    def is_azure_ml_model(self) -> bool:
        return self.type.lower() == AZURE_ML_ARTIFACT.lower()


@dataclass(frozen=True)
class ReleaseDefinitionInfo:
    id: int
    name: str
    web_url: str = ""
    artifacts: tuple[ArtifactInfo, ...] = field(default_factory=tuple)


# ---- reading answers ----------------------------------------------------------------------------------------------
def _ref(value: Any, key: str) -> str:
    return str((value or {}).get(key) or "") if isinstance(value, dict) else ""


def artifact_from_json(raw: dict) -> ArtifactInfo:
    reference = raw.get("definitionReference") or {}
    return ArtifactInfo(
        alias=str(raw.get("alias") or ""),
        type=str(raw.get("type") or ""),
        connection_id=_ref(reference.get("connection"), "id"),
        connection_name=_ref(reference.get("connection"), "name"),
        model=_ref(reference.get("model"), "name"),
    )


def release_definition_from_json(raw: dict) -> ReleaseDefinitionInfo:
    web = ((raw.get("_links") or {}).get("web") or {}).get("href", "")
    return ReleaseDefinitionInfo(
        id=int(raw.get("id") or 0),
        name=str(raw.get("name") or ""),
        web_url=web,
        artifacts=tuple(artifact_from_json(a) for a in raw.get("artifacts") or [] if isinstance(a, dict)),
    )


def extension_from_model(extension: Any) -> ExtensionInfo:
    state = getattr(extension, "install_state", None)
    return ExtensionInfo(
        publisher_id=getattr(extension, "publisher_id", "") or "",
        extension_id=getattr(extension, "extension_id", "") or "",
        name=getattr(extension, "extension_name", "") or "",
        version=getattr(extension, "version", "") or "",
        flags=str(getattr(state, "flags", "") or ""),
    )


# ---- the adapter --------------------------------------------------------------------------------------------------
class WorkshopSetup:
    """Reads the parts of the workshop's Azure DevOps setup (project and team default to the configured ones)."""

    def __init__(self, devops: DevOpsClient) -> None:
        self._devops = devops

    @property
    def project_name(self) -> str:
        return self._devops.project

    @property
    def team_name(self) -> str:
        return self._devops.team

    async def project(self) -> ProjectInfo | None:
        found = await self._devops.find(lambda c: c.core.get_project(self.project_name), what="read the project",
                                        of_project=True)
        if found is None:
            return None
        return ProjectInfo(id=found.id or "", name=found.name or self.project_name,
                           web_url=f"{self._devops.org_url}/{quote(found.name or self.project_name)}")

    async def team(self) -> TeamInfo | None:
        found = await self._devops.find(lambda c: c.core.get_team(self.project_name, self.team_name),
                                        what="read the team")
        if found is None:
            return None
        return TeamInfo(id=found.id or "", name=found.name or self.team_name, project=self.project_name)

    async def team_members(self) -> list[Member]:
        members = await self._devops.call(
            lambda c: c.core.get_team_members_with_extended_properties(self.project_name, self.team_name),
            idempotent=True, what="list the team's members")
        out = []
        for member in members or []:
            identity = getattr(member, "identity", None)
            out.append(Member(name=getattr(identity, "display_name", "") or "",
                              unique_name=getattr(identity, "unique_name", "") or "",
                              is_admin=bool(getattr(member, "is_team_admin", False))))
        return out

    async def repository(self, name: str) -> RepositoryInfo | None:
        found = await self._devops.find(lambda c: c.git.get_repository(name, self.project_name),
                                        what="read a repository")
        if found is None:
            return None
        return RepositoryInfo(id=found.id or "", name=found.name or name, default_branch=found.default_branch or "",
                              size=int(found.size or 0), web_url=found.web_url or "",
                              is_disabled=bool(getattr(found, "is_disabled", False)))

    async def secure_files(self, name_pattern: str = "") -> list[SecureFileInfo]:
        response = await self._devops.send_raw(
            "task_agent", "GET", SECURE_FILES_LOCATION, SECURE_FILES_VERSION,
            route_values={"project": self.project_name}, query={"namePattern": name_pattern} if name_pattern else None,
            what="list secure files")
        values = (response.body or {}).get("value", []) if isinstance(response.body, dict) else []
        return [SecureFileInfo(id=str(v.get("id") or ""), name=str(v.get("name") or "")) for v in values]

    async def extension(self, full_id: str) -> ExtensionInfo | None:
        publisher, _, name = full_id.partition(".")
        found = await self._devops.find(lambda c: c.extensions.get_installed_extension_by_name(publisher, name),
                                        what="read an installed extension")
        return extension_from_model(found) if found is not None else None

    async def release_definitions(self) -> list[ReleaseDefinitionInfo]:
        """Every classic release definition with its artifacts (following x-ms-continuationtoken)."""
        definitions: list[ReleaseDefinitionInfo] = []
        token = ""
        for _ in range(MAX_PAGES):
            query: dict[str, Any] = {"$expand": "artifacts"}
            if token:
                query["continuationToken"] = token
            response = await self._devops.send_raw(
                "release", "GET", RELEASE_DEFINITIONS_LOCATION, RELEASE_DEFINITIONS_VERSION,
                route_values={"project": self.project_name}, query=query, what="list release definitions")
            values = (response.body or {}).get("value", []) if isinstance(response.body, dict) else []
            definitions.extend(release_definition_from_json(v) for v in values if isinstance(v, dict))
            token = response.continuation_token
            if not token:
                break
        return definitions
