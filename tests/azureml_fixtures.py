"""Pytest fixtures for the sandbox's Azure ML (ARM, Entra ID, blob storage), on the session's one sandbox.

Use from any test folder's conftest.py::

    from tests import azureml_fixtures, sandbox_fixtures
    devops_sandbox_server = sandbox_fixtures.devops_sandbox_server   # the session's sandbox
    azureml_sandbox_server = azureml_fixtures.azureml_sandbox_server # session: waits until models and blobs are ready
    azureml_sandbox = azureml_fixtures.azureml_sandbox               # per test: reset to the seed

``azureml_sandbox`` yields an :class:`AzureMLSandbox`: the settings the sandbox prints (``env``), its workshop
``config`` (config.json), the control API (``control``: reset, faults, request log, clock), and the real SDKs
built the way the bot builds them: ``credential()``, ``ml_client()``, ``blob_service()``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sandbox_fixtures import ControlError, DevOpsSandbox


@dataclass
class AzureMLSandbox:
    """The sandbox's Azure ML seen from a test: its settings, control API and SDK clients."""

    env: dict[str, str]
    control: DevOpsSandbox

    @property
    def config(self) -> dict:
        return json.loads(Path(self.env["AZUREML_CONFIG"]).read_text())

    @property
    def ca_bundle(self) -> str:
        return self.env["AZURE_CA_BUNDLE"]

    @property
    def arm_endpoint(self) -> str:
        return self.env["AZUREML_ARM_ENDPOINT"]

    @property
    def workspace_path(self) -> str:
        return (f"subscriptions/{self.env['AZURE_SUBSCRIPTION_ID']}/resourceGroups/{self.env['AZURE_RESOURCE_GROUP']}"
                f"/providers/Microsoft.MachineLearningServices/workspaces/{self.env['AZUREML_WORKSPACE']}")

    def credential(self, client_id: str | None = None, secret: str | None = None):
        """azure-identity's ClientSecretCredential against the sandbox's Entra ID (config.json's SP by default)."""
        from azure.identity import ClientSecretCredential

        config = self.config
        return ClientSecretCredential(config["tenant_id"], client_id or config["service_principal_id"],
                                      secret or config["service_principal_password"],
                                      authority=self.env["AZURE_AUTHORITY_HOST"], disable_instance_discovery=True,
                                      connection_verify=self.ca_bundle)

    @property
    def storage_endpoint(self) -> str:
        """``core.localhost:<blob port>``: the datastore's endpoint, for ``https://{account}.blob.{endpoint}``."""
        return "core.localhost:" + self.env["AZUREML_BLOB_ENDPOINT"].split("://")[1].split("/")[0].split(":")[1]

    def cloud_metadata(self) -> dict[str, str]:
        """azure-ai-ml's cloud description: every endpoint is the sandbox's (keys as azure-ai-ml names them)."""
        arm = self.arm_endpoint
        return {"azure_portal": arm, "resource_manager": arm, "active_directory": self.env["AZURE_AUTHORITY_HOST"],
                "aml_resource_id": arm, "storage_endpoint": self.storage_endpoint, "registry_discovery_endpoint": arm}

    def ml_client(self, credential=None, **kwargs):
        """azure-ai-ml's MLClient for the workspace. The cloud name carries the port: azure-ai-ml keeps a cloud's
        metadata for the whole process once added, so each sandbox needs its own name."""
        from azure.ai.ml import MLClient

        config = self.config
        port = self.arm_endpoint.rstrip("/").rsplit(":", 1)[1]
        return MLClient(credential or self.credential(), config["subscription_id"], config["resource_group"],
                        config["workspace_name"], cloud=f"CollegeSandbox{port}", cloud_metadata=self.cloud_metadata(),
                        connection_verify=self.ca_bundle, enable_telemetry=False, show_progress=False, **kwargs)

    def blob_service(self, account_name: str, account_key: str, **kwargs):
        """azure-storage-blob's BlobServiceClient on AZUREML_BLOB_ENDPOINT (instead of https://{account}.blob...)."""
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient(self.env["AZUREML_BLOB_ENDPOINT"],
                                 credential={"account_name": account_name, "account_key": account_key},
                                 connection_verify=self.ca_bundle, **kwargs)


CURRENT_CLOUD = "AZUREML_CURRENT_CLOUD"  # set in os.environ by every MLClient
READY_WITHIN_S = 300  # a machine's first run builds the seeded models (about 20 s on 2 cores)


def wait_until_ready(control: DevOpsSandbox) -> dict:
    """Asks the control API until the models are registered and the blob store is filled (or it failed)."""
    state: dict = {}
    for _ in range(READY_WITHIN_S // 5):
        state = control._call("GET", "")["azureml"]
        if "starting" not in (state["models"], state["blob_store"]):
            break
        try:
            return control._call("GET", "ready?timeout_s=5")
        except ControlError:
            continue
    return state


@pytest.fixture(scope="session")
def azureml_sandbox_server(devops_sandbox_server):
    """The session's sandbox once its models are registered and its blob store filled."""
    state = wait_until_ready(devops_sandbox_server)
    assert state.get("models") == state.get("blob_store") == "ready", state
    return AzureMLSandbox(env=devops_sandbox_server.env, control=devops_sandbox_server)


@pytest.fixture
def azureml_sandbox(azureml_sandbox_server):
    """Reset to the seed; MLClient's process-wide AZUREML_CURRENT_CLOUD is put back as it was after the test."""
    before = os.environ.get(CURRENT_CLOUD)
    azureml_sandbox_server.control.reset()
    yield azureml_sandbox_server
    if before is None:
        os.environ.pop(CURRENT_CLOUD, None)
    else:
        os.environ[CURRENT_CLOUD] = before
