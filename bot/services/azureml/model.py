"""The Azure ML data the bot uses, one plain type per concept (no SDK types, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Workspace:
    name: str
    location: str = ""
    resource_group: str = ""
    subscription_id: str = ""


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model: where its files are and who registered it when."""

    name: str
    version: str
    path: str = ""  # azureml://subscriptions/.../datastores/<datastore>/paths/<prefix>
    tags: dict[str, str] = field(default_factory=dict)
    description: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    model_format: str = ""  # the asset type ("custom_model", "mlflow_model", ...)


@dataclass(frozen=True)
class RegisteredModel:
    """A model with its newest version."""

    name: str
    latest: ModelVersion


@dataclass(frozen=True)
class BlobLocation:
    """Where a model version's files are: a container of a storage account, under a prefix."""

    account_url: str
    container: str
    prefix: str
    account_name: str = ""
    account_key: str = field(default="", repr=False)
