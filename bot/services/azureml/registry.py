"""The workspace's registered models and their files: one reader per fact, independent reads concurrent.

``models.list()`` gives containers (no tags, no author); the newest version of each is read at the same time.
A version's files are read with azure-storage-blob from its datastore (account key from ``listSecrets``), at
AZUREML_BLOB_ENDPOINT when set, else at the account's own endpoint.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from bot.errors import InvalidInput
from bot.services.azureml.client import AzureMLClient
from bot.services.azureml.model import BlobLocation, ModelVersion, RegisteredModel, Workspace

_DATASTORE_PATH = re.compile(r"^azureml://.*?/datastores/(?P<datastore>[^/]+)/paths/(?P<prefix>.+)$", re.IGNORECASE)
MAX_FILES = 1000
MAX_BYTES = 2 * 1024**3  # a model folder larger than this is refused, not downloaded


def version_from_entity(entity: Any) -> ModelVersion:
    context = getattr(entity, "creation_context", None)
    return ModelVersion(
        name=str(getattr(entity, "name", "") or ""),
        version=str(getattr(entity, "version", "") or ""),
        path=str(getattr(entity, "path", "") or ""),
        tags={str(k): str(v) for k, v in (getattr(entity, "tags", None) or {}).items()},
        description=str(getattr(entity, "description", "") or ""),
        created_by=str(getattr(context, "created_by", "") or ""),
        created_at=getattr(context, "created_at", None),
        model_format=str(getattr(entity, "type", "") or ""),
    )


async def read_workspace(azureml: AzureMLClient) -> Workspace:
    name = azureml.workspace.workspace_name
    found = await azureml.call(lambda ml: ml.workspaces.get(name), what="read the workspace")
    return Workspace(name=str(found.name), location=str(getattr(found, "location", "") or ""),
                     resource_group=azureml.workspace.resource_group,
                     subscription_id=azureml.workspace.subscription_id)


async def model_version(azureml: AzureMLClient, name: str, version: str = "") -> ModelVersion:
    """One version (the newest when ``version`` is "")."""
    if version:
        entity = await azureml.call(lambda ml: ml.models.get(name, version=version), what=f"read {name} {version}")
    else:
        entity = await azureml.call(lambda ml: ml.models.get(name, label="latest"), what=f"read {name}")
    return version_from_entity(entity)


async def model_versions(azureml: AzureMLClient, name: str) -> list[ModelVersion]:
    """Every version of a model, newest first."""
    entities = await azureml.call(lambda ml: list(ml.models.list(name=name)), what=f"list the versions of {name}")
    versions = [version_from_entity(e) for e in entities]
    return sorted(versions, key=_version_order, reverse=True)


def _version_order(version: ModelVersion) -> tuple[int, str]:
    return (int(version.version), "") if version.version.isdigit() else (-1, version.version)


async def registered_models(azureml: AzureMLClient) -> list[RegisteredModel]:
    """Every model with its newest version (the versions are read at the same time), by name."""
    containers = await azureml.call(lambda ml: list(ml.models.list()), what="list the models")

    async def newest(container: Any) -> RegisteredModel:
        name = str(container.name)
        latest = str(getattr(container, "latest_version", "") or "")
        return RegisteredModel(name, await model_version(azureml, name, latest))

    models = await asyncio.gather(*(newest(c) for c in containers))
    return sorted(models, key=lambda m: m.name.lower())


async def blob_location(azureml: AzureMLClient, version: ModelVersion) -> BlobLocation:
    """Where the version's files are: its datastore's container and account key, and its path prefix."""
    match = _DATASTORE_PATH.match(version.path)
    if not match:
        raise InvalidInput(f"{version.name} {version.version} is not stored in a datastore I can read "
                           f"({version.path[:120] or 'no path'}).",
                           next_step="Register the model from a file or folder in the workspace's blob datastore.")
    datastore = await azureml.call(lambda ml: ml.datastores.get(match["datastore"], include_secrets=True),
                                   what="read the model's datastore")
    account = str(getattr(datastore, "account_name", "") or "")
    protocol = str(getattr(datastore, "protocol", "") or "https")
    suffix = str(getattr(datastore, "endpoint", "") or "core.windows.net")
    key = str(getattr(getattr(datastore, "credentials", None), "account_key", "") or "")
    account_url = azureml.blob_endpoint or f"{protocol}://{account}.blob.{suffix}"
    return BlobLocation(account_url=account_url, container=str(getattr(datastore, "container_name", "") or ""),
                        prefix=match["prefix"].strip("/"), account_name=account, account_key=key)


async def download(azureml: AzureMLClient, location: BlobLocation, into: Path) -> Path:
    """Copies the version's files (a model-zoo folder or one file) under ``into``; returns ``into``."""

    def copy() -> Path:
        from azure.storage.blob import BlobServiceClient

        credential = {"account_name": location.account_name, "account_key": location.account_key} \
            if location.account_key else None
        service = BlobServiceClient(location.account_url, credential=credential, retry_total=0,
                                    connection_verify=azureml.connection_verify)
        container = service.get_container_client(location.container)
        blobs = list(container.list_blobs(name_starts_with=location.prefix))
        if len(blobs) > MAX_FILES or sum(int(b.size or 0) for b in blobs) > MAX_BYTES:
            raise InvalidInput(f"The model's files are too many or too large to check (at most {MAX_FILES} files, "
                               f"{MAX_BYTES // 1024**3} GB).", next_step="Register the ONNX file on its own.")
        into.mkdir(parents=True, exist_ok=True)
        for blob in blobs:
            relative = blob.name[len(location.prefix):].lstrip("/") or Path(blob.name).name
            target = (into / relative).resolve()
            if into.resolve() not in target.parents:
                continue  # a blob name that climbs out of the folder is not written
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                container.download_blob(blob.name).readinto(out)
        return into

    return await azureml.in_thread(copy, what="download the model's files")
