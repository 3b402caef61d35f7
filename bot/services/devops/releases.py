"""Classic release pipelines: definitions with their artifacts, and releases with their stages, approvals and the
artifacts they ship."""

from __future__ import annotations

from typing import Any

from bot.errors import NotFound
from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import (
    Approval,
    Artifact,
    Release,
    ReleaseDefinition,
    ShippedArtifact,
    Stage,
)

RELEASE_DEFINITIONS_LOCATION = "d8f96f24-8ea7-4cb6-baab-2df8fc515665"
RELEASE_DEFINITIONS_VERSION = "7.1-preview.4"
MAX_PAGES = 20


def _ref(value: Any, key: str) -> str:
    return str(value.get(key) or "") if isinstance(value, dict) else ""


def artifact_from_json(raw: dict) -> Artifact:
    reference = raw.get("definitionReference") or {}
    return Artifact(
        alias=str(raw.get("alias") or ""),
        type=str(raw.get("type") or ""),
        connection_id=_ref(reference.get("connection"), "id"),
        connection_name=_ref(reference.get("connection"), "name"),
        model=_ref(reference.get("model"), "name"),
    )


def release_definition_from_json(raw: dict) -> ReleaseDefinition:
    web = ((raw.get("_links") or {}).get("web") or {}).get("href", "")
    return ReleaseDefinition(
        id=int(raw.get("id") or 0),
        name=str(raw.get("name") or ""),
        web_url=web,
        artifacts=tuple(artifact_from_json(a) for a in raw.get("artifacts") or [] if isinstance(a, dict)),
    )


async def release_definitions(devops: DevOpsClient) -> list[ReleaseDefinition]:
    """Every classic release definition with its artifacts (following x-ms-continuationtoken; raw, because the
    SDK hides the token)."""
    definitions: list[ReleaseDefinition] = []
    token = ""
    for _ in range(MAX_PAGES):
        query: dict[str, Any] = {"$expand": "artifacts"}
        if token:
            query["continuationToken"] = token
        response = await devops.send_raw(
            "release", "GET", RELEASE_DEFINITIONS_LOCATION, RELEASE_DEFINITIONS_VERSION,
            route_values={"project": devops.project}, query=query, what="list release definitions")
        values = (response.body or {}).get("value", []) if isinstance(response.body, dict) else []
        definitions.extend(release_definition_from_json(v) for v in values if isinstance(v, dict))
        token = response.continuation_token
        if not token:
            break
    return definitions


def _name(identity: Any) -> str:
    return str(getattr(identity, "display_name", "") or getattr(identity, "unique_name", "") or "")


def approval_from_model(approval: Any) -> Approval:
    release = getattr(approval, "release", None)
    stage = getattr(approval, "release_environment", None)
    approver = getattr(approval, "approver", None)
    return Approval(
        id=int(getattr(approval, "id", 0) or 0), status=str(getattr(approval, "status", "") or ""),
        approver=_name(approver), approver_id=str(getattr(approver, "id", "") or ""),
        approver_descriptor=str(getattr(approver, "descriptor", "") or ""),
        approver_is_group=bool(getattr(approver, "is_container", False)),
        approved_by=_name(getattr(approval, "approved_by", None)),
        comments=str(getattr(approval, "comments", "") or ""),
        created_on=getattr(approval, "created_on", None), modified_on=getattr(approval, "modified_on", None),
        stage=str(getattr(stage, "name", "") or ""), release_id=int(getattr(release, "id", 0) or 0),
        release_name=str(getattr(release, "name", "") or ""),
        definition=str(getattr(getattr(approval, "release_definition", None), "name", "") or ""))


def _shipped(artifact: Any) -> ShippedArtifact:
    reference = getattr(artifact, "definition_reference", None) or {}

    def field(key: str) -> str:
        value = reference.get(key)
        if isinstance(value, dict):
            return str(value.get("name") or value.get("id") or "")
        return str(getattr(value, "name", None) or getattr(value, "id", None) or "") if value is not None else ""

    return ShippedArtifact(alias=str(getattr(artifact, "alias", "") or ""),
                           type=str(getattr(artifact, "type", "") or ""), version=field("version"),
                           model=field("model"))


def release_from_model(release: Any, org_url: str = "", project: str = "") -> Release:
    stages = tuple(
        Stage(id=int(getattr(e, "id", 0) or 0), name=str(getattr(e, "name", "") or ""),
              status=str(getattr(e, "status", "") or ""),
              approvals=tuple(approval_from_model(a) for a in (getattr(e, "pre_deploy_approvals", None) or [])
                              if not getattr(a, "is_automated", False)),
              modified_on=getattr(e, "modified_on", None))
        for e in sorted(getattr(release, "environments", None) or [], key=lambda e: getattr(e, "rank", 0) or 0))
    release_id = int(getattr(release, "id", 0) or 0)
    web = (f"{org_url}/{project}/_releaseProgress?_a=release-pipeline-progress&releaseId={release_id}"
           if org_url and project else "")
    return Release(
        id=release_id, name=str(getattr(release, "name", "") or ""),
        definition=str(getattr(getattr(release, "release_definition", None), "name", "") or ""),
        status=str(getattr(release, "status", "") or ""), created_by=_name(getattr(release, "created_by", None)),
        created_on=getattr(release, "created_on", None), stages=stages,
        artifacts=tuple(_shipped(a) for a in getattr(release, "artifacts", None) or []), web_url=web)


async def recent_releases(devops: DevOpsClient, definition: str = "", top: int = 10) -> list[Release]:
    """The newest releases (of the named definition when given), with their stages and artifacts."""
    project, org = devops.project, devops.org_url
    definition_id = None
    if definition:
        definitions = await release_definitions(devops)
        found = next((d for d in definitions if d.name.lower() == definition.lower()), None)
        if found is None:
            names = ", ".join(sorted(d.name for d in definitions)) or "none"
            raise NotFound(f"There is no release pipeline called '{definition}' in {project}. Its release "
                           f"pipelines: {names}.", next_step="Check the name (in quotes when it has spaces).")
        definition_id = found.id
    releases = await devops.call(
        lambda c: c.release.get_releases(project, definition_id=definition_id, top=top,
                                         expand="environments,artifacts,approvals"),
        idempotent=True, what="list releases")
    return [release_from_model(r, org, project) for r in releases or []]


async def read_release(devops: DevOpsClient, release_id: int) -> Release:
    project = devops.project
    found = await devops.call(lambda c: c.release.get_release(project, release_id, approval_filters="all"),
                              idempotent=True, what=f"read release {release_id}")
    return release_from_model(found, devops.org_url, project)
