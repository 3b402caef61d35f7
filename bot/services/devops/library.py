"""Pipelines → Library: the project's secure files (the workshop uploads the Azure ML workspace's config.json)."""

from __future__ import annotations

from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import SecureFile

SECURE_FILES_LOCATION = "adcfd8bc-b184-43ba-bd84-7c8c6a2ff421"  # distributedtask/securefiles (no SDK method)
SECURE_FILES_VERSION = "7.1-preview.1"


async def secure_files(devops: DevOpsClient, name_pattern: str = "") -> list[SecureFile]:
    response = await devops.send_raw(
        "task_agent", "GET", SECURE_FILES_LOCATION, SECURE_FILES_VERSION, route_values={"project": devops.project},
        query={"namePattern": name_pattern} if name_pattern else None, what="list secure files")
    values = (response.body or {}).get("value", []) if isinstance(response.body, dict) else []
    return [SecureFile(id=str(v.get("id") or ""), name=str(v.get("name") or "")) for v in values if isinstance(v, dict)]
