"""Builds (YAML runs included: a run's id is its build id), read by id through the Build API."""

from __future__ import annotations

from typing import Any

from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import Build
from bot.services.devops.pipelines import parse_time, run_url


def build_from_model(build: Any, org_url: str = "", project: str = "") -> Build:
    definition = getattr(build, "definition", None)
    requested = getattr(build, "requested_for", None) or getattr(build, "requested_by", None)
    links = getattr(build, "_links", None)
    web = ""
    if links is not None:
        found = getattr(links, "links", None) or getattr(links, "additional_properties", None) or {}
        web = str((found.get("web") or {}).get("href", "")) if isinstance(found, dict) else ""
    build_id = int(getattr(build, "id", 0) or 0)
    return Build(id=build_id, number=str(getattr(build, "build_number", "") or ""),
                 pipeline=str(getattr(definition, "name", "") or ""), status=str(getattr(build, "status", "") or ""),
                 result=str(getattr(build, "result", "") or ""), branch=str(getattr(build, "source_branch", "") or ""),
                 pushed_by=str(getattr(requested, "display_name", "") or getattr(requested, "unique_name", "") or ""),
                 finished=parse_time(getattr(build, "finish_time", None)),
                 web_url=web or run_url(org_url, project, build_id))


async def read_build(devops: DevOpsClient, build_id: int) -> Build:
    """The build as it is now."""
    project = devops.project
    found = await devops.call(lambda c: c.build.get_build(project, build_id), idempotent=True,
                              what=f"read build {build_id}")
    return build_from_model(found, devops.org_url, project)
