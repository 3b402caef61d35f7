"""Classic release pipelines (release definitions) with their artifacts."""

from __future__ import annotations

from typing import Any

from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import Artifact, ReleaseDefinition

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
