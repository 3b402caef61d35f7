"""Build the Azure ML world from ``sandbox/world/azureml.json`` and the seeded model versions.

Ids derive from names, and times from the sandbox clock at the reset, as for Azure DevOps.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Protocol

from ..state.ids import stable_id
from ..state.seed import WORLD_DIR, college_team
from ..state.world import World
from .world import AzureMLWorld, Datastore, ModelFile, RegisteredVersion


class SeededVersion(Protocol):
    """What sandbox.models.seed_models() gives per version (its SeededModelVersion)."""

    name: str
    version: int
    directory: Path
    tags: dict[str, str]
    description: str
    created_by: str
    created_days_ago: float
    model_format: str


@cache
def azureml_seed() -> dict:
    return json.loads((WORLD_DIR / "azureml.json").read_text(encoding="utf-8"))


def service_principal_object_id(app_id: str) -> str:
    """The object id of an app's service principal in the tenant (differs from its app id, as in Entra)."""
    return stable_id("service-principal", app_id)


def workspace_id() -> str:
    seed = azureml_seed()
    return stable_id("workspace", seed["subscription_id"], seed["resource_group"], seed["workspace"]["name"])


def model_files(version: SeededVersion) -> tuple[str, tuple[ModelFile, ...]]:
    """The version's folder in the datastore and its files there (as an upload from a local folder lays them)."""
    prefix = f"LocalUpload/{stable_id('model', version.name, str(version.version)).replace('-', '')}/" \
             f"{version.name.lower()}-v{version.version}"
    files = sorted(p for p in version.directory.rglob("*") if p.is_file())
    return prefix, tuple(ModelFile(f"{prefix}/{p.relative_to(version.directory).as_posix()}", p) for p in files)


def build_azureml_world(now: datetime, tenant: World, seeded: Sequence[SeededVersion]) -> AzureMLWorld:
    seed = azureml_seed()
    space = seed["workspace"]
    people = {p["key"]: p for p in college_team()["people"]}
    apps = {app.display_name: app for app in tenant.entra_apps.values()}
    roles = {service_principal_object_id(apps[r["app"]].app_id): r["role"] for r in seed["role_assignments"]}
    storage = seed["storage"]
    ws_id = workspace_id()
    world = AzureMLWorld(
        subscription_id=seed["subscription_id"], subscription_name=seed["subscription_name"],
        resource_group=seed["resource_group"], workspace_name=space["name"], workspace_id=ws_id,
        location=space["location"], friendly_name=space["friendly_name"], description=space["description"],
        sku=space["sku"], tenant_id=tenant.tenant_id, created=now - timedelta(days=space["created_days_ago"]),
        created_by=people[space["created_by"]]["upn"], roles=roles,
        datastore=Datastore(storage["datastore"], storage["account_name"], storage["account_key"],
                            f"azureml-blobstore-{ws_id}", now - timedelta(days=storage["created_days_ago"]),
                            people[space["created_by"]]["upn"]),
    )
    for item in sorted(seeded, key=lambda v: (v.name, v.version)):
        prefix, files = model_files(item)
        world.models.setdefault(item.name, []).append(RegisteredVersion(
            name=item.name, version=item.version, description=item.description, tags=dict(item.tags),
            created_by=item.created_by, created=now - timedelta(days=item.created_days_ago),
            model_format=item.model_format, path_prefix=prefix, files=files))
    return world
