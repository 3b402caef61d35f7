"""The JSON Azure ML answers with (api-versions 2023-08-01-preview for models, 2024-10-01-preview for
workspaces and datastores): the shapes of azure-ai-ml's generated REST models, every field in them."""

from __future__ import annotations

from datetime import datetime

from ..clock import iso
from .world import PROVIDER, AzureMLWorld, RegisteredVersion


def system_data(created_by: str, created: datetime, modified: datetime | None = None,
                modified_by: str | None = None) -> dict:
    return {"createdAt": iso(created), "createdBy": created_by, "createdByType": "User",
            "lastModifiedAt": iso(modified or created), "lastModifiedBy": modified_by or created_by,
            "lastModifiedByType": "User"}


def workspace(world: AzureMLWorld, arm_origin: str) -> dict:
    """The workspace. URLs that point at other Azure services point at the ARM origin (never leaving loopback)."""
    rg = f"/subscriptions/{world.subscription_id}/resourceGroups/{world.resource_group}/providers"
    short = world.workspace_name.replace("-", "")
    return {
        "id": world.workspace_path,
        "name": world.workspace_name,
        "type": f"{PROVIDER}/workspaces",
        "location": world.location,
        "tags": {},
        "kind": "Default",
        "sku": {"name": world.sku, "tier": world.sku},
        "identity": {"type": "SystemAssigned", "principalId": world.workspace_id, "tenantId": world.tenant_id},
        "systemData": system_data(world.created_by, world.created),
        "properties": {
            "friendlyName": world.friendly_name,
            "description": world.description,
            "storageAccount": f"{rg}/Microsoft.Storage/storageAccounts/{world.datastore.account_name}",
            "keyVault": f"{rg}/Microsoft.KeyVault/vaults/kv{short}",
            "applicationInsights": f"{rg}/Microsoft.Insights/components/ai{short}",
            "discoveryUrl": f"{arm_origin}/discovery",
            "mlFlowTrackingUri": f"azureml://{arm_origin.split('://', 1)[1]}/mlflow/v1.0{world.workspace_path}",
            "workspaceId": world.workspace_id,
            "tenantId": world.tenant_id,
            "provisioningState": "Succeeded",
            "hbiWorkspace": False,
            "storageHnsEnabled": False,
            "publicNetworkAccess": "Enabled",
            "v1LegacyMode": False,
            "privateLinkCount": 0,
            "enableDataIsolation": False,
            "systemDatastoresAuthMode": "accessKey",
        },
    }


def model_container(world: AzureMLWorld, name: str, versions: list[RegisteredVersion]) -> dict:
    latest = max(versions, key=lambda v: (v.created, v.version))
    first = min(versions, key=lambda v: v.created)
    return {
        "id": f"{world.workspace_path}/models/{name}",
        "name": name,
        "type": f"{PROVIDER}/workspaces/models",
        "systemData": system_data(first.created_by, first.created, latest.created, latest.created_by),
        "properties": {
            "description": None,
            "tags": {},
            "properties": {},
            "isArchived": all(v.is_archived for v in versions),
            "latestVersion": str(latest.version),
            "nextVersion": str(max(v.version for v in versions) + 1),
            "provisioningState": "Succeeded",
        },
    }


def model_version(world: AzureMLWorld, version: RegisteredVersion) -> dict:
    return {
        "id": f"{world.workspace_path}/models/{version.name}/versions/{version.version}",
        "name": str(version.version),
        "type": f"{PROVIDER}/workspaces/models/versions",
        "systemData": system_data(version.created_by, version.created),
        "properties": {
            "description": version.description,
            "tags": dict(version.tags),
            "properties": {"model_format": version.model_format},
            "isArchived": version.is_archived,
            "isAnonymous": False,
            "flavors": {},
            "jobName": None,
            "modelType": "custom_model",
            "modelUri": world.model_uri(version),
            "provisioningState": "Succeeded",
            "stage": "Development",
        },
    }


def datastore(world: AzureMLWorld, blob_endpoint_suffix: str) -> dict:
    """The default datastore: an Azure Blob container, reached with the account key (``listSecrets``)."""
    store = world.datastore
    return {
        "id": f"{world.workspace_path}/datastores/{store.name}",
        "name": store.name,
        "type": f"{PROVIDER}/workspaces/datastores",
        "systemData": system_data(store.created_by, store.created),
        "properties": {
            "description": None,
            "tags": {},
            "properties": {},
            "isDefault": True,
            "credentials": {"credentialsType": "AccountKey"},
            "datastoreType": "AzureBlob",
            "accountName": store.account_name,
            "containerName": store.container,
            "endpoint": blob_endpoint_suffix,
            "protocol": "https",
            "serviceDataAccessAuthIdentity": "WorkspaceSystemAssignedIdentity",
            "subscriptionId": world.subscription_id,
            "resourceGroup": world.resource_group,
        },
    }


def datastore_secrets(world: AzureMLWorld) -> dict:
    return {"secretsType": "AccountKey", "key": world.datastore.account_key}
