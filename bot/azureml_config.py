"""The Azure ML workspace the bot works with: from the workshop's `config.json` (AZUREML_CONFIG) and/or settings.

The workshop's config.json has subscription_id, resource_group, workspace_name, workspace_region and the service
principal the pipelines use (service_principal_id, service_principal_password, tenant_id). Settings of the same
meaning (AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, AZUREML_WORKSPACE) win over the file. Pure: reading the
file is the only I/O, and its errors say what to fix without repeating the secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FIELDS = ("subscription_id", "resource_group", "workspace_name")


class WorkspaceConfigError(ValueError):
    """The workspace cannot be known from the settings; the message says what to set."""


@dataclass(frozen=True)
class WorkspaceConfig:
    subscription_id: str
    resource_group: str
    workspace_name: str
    region: str = ""
    tenant_id: str = ""
    client_id: str = ""  # the service principal from config.json ("" = the bot's own Azure identity)
    client_secret: str = field(default="", repr=False)

    @property
    def has_service_principal(self) -> bool:
        return bool(self.tenant_id and self.client_id and self.client_secret)


def read_config_file(path: str) -> dict[str, Any]:
    """The workshop's config.json as a dict; WorkspaceConfigError naming the file when it is unusable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise WorkspaceConfigError(f"AZUREML_CONFIG: cannot read {path} ({exc.strerror or exc})") from None
    except ValueError:
        raise WorkspaceConfigError(f"AZUREML_CONFIG: {path} is not JSON (the workspace's config.json is)") from None
    if not isinstance(data, dict):
        raise WorkspaceConfigError(f"AZUREML_CONFIG: {path} is not a JSON object")
    return data


def workspace_config(config_path: str, subscription_id: str = "", resource_group: str = "",
                     workspace_name: str = "") -> WorkspaceConfig | None:
    """The workspace from the file and the settings (settings win), None when neither names one."""
    data = read_config_file(config_path) if config_path else {}
    values = {
        "subscription_id": subscription_id or str(data.get("subscription_id") or ""),
        "resource_group": resource_group or str(data.get("resource_group") or ""),
        "workspace_name": workspace_name or str(data.get("workspace_name") or ""),
    }
    if not any(values.values()):
        return None
    missing = [name for name in CONFIG_FIELDS if not values[name]]
    if missing:
        names = {"subscription_id": "AZURE_SUBSCRIPTION_ID", "resource_group": "AZURE_RESOURCE_GROUP",
                 "workspace_name": "AZUREML_WORKSPACE"}
        raise WorkspaceConfigError("the Azure ML workspace is only partly named: set "
                                   + ", ".join(names[m] for m in missing)
                                   + (f" or add {', '.join(missing)} to {config_path}" if config_path else ""))
    return WorkspaceConfig(
        **values, region=str(data.get("workspace_region") or ""), tenant_id=str(data.get("tenant_id") or ""),
        client_id=str(data.get("service_principal_id") or ""),
        client_secret=str(data.get("service_principal_password") or ""))
