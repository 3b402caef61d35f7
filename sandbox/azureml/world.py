"""The Azure ML side of the world: one workspace, its registered models, its default datastore, who may use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

PROVIDER = "Microsoft.MachineLearningServices"


@dataclass(frozen=True)
class ModelFile:
    """One file of a registered model version: its blob name in the datastore's container and its local source."""

    blob_name: str
    source: Path


@dataclass
class RegisteredVersion:
    name: str
    version: int
    description: str
    tags: dict[str, str]
    created_by: str  # the person's display name, as Azure ML shows who registered it
    created: datetime
    model_format: str
    path_prefix: str  # the folder in the datastore: "LocalUpload/<hex>/<folder>"
    files: tuple[ModelFile, ...]
    is_archived: bool = False


@dataclass
class Datastore:
    name: str
    account_name: str
    account_key: str
    container: str
    created: datetime
    created_by: str


@dataclass
class AzureMLWorld:
    subscription_id: str
    subscription_name: str
    resource_group: str
    workspace_name: str
    workspace_id: str
    location: str
    friendly_name: str
    description: str
    sku: str
    tenant_id: str
    created: datetime
    created_by: str  # UPN, as ARM's systemData names a user
    roles: dict[str, str]  # service principal object id -> role name ("Contributor", "Reader")
    datastore: Datastore
    models: dict[str, list[RegisteredVersion]] = field(default_factory=dict)  # by name, oldest first
    page_size: int | None = None

    @property
    def workspace_path(self) -> str:
        """The workspace's ARM id, as the service spells it."""
        return (f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}/providers/"
                f"{PROVIDER}/workspaces/{self.workspace_name}")

    def model(self, name: str) -> list[RegisteredVersion] | None:
        """The versions of a model (names are case-sensitive in Azure ML)."""
        return self.models.get(name)

    def model_uri(self, version: RegisteredVersion) -> str:
        return (f"azureml://subscriptions/{self.subscription_id}/resourcegroups/{self.resource_group}/workspaces/"
                f"{self.workspace_name}/datastores/{self.datastore.name}/paths/{version.path_prefix}/")

    def all_files(self) -> list[ModelFile]:
        return [f for versions in self.models.values() for v in versions for f in v.files]
