"""The gaps of the workshop's setup the bot can close itself (doctor's Fix buttons): install the MLOps extension,
create the Azure Resource Manager service connection from the workspace's service principal (config.json), and
upload config.json as the pipelines' secure file.

Each looks before it writes (already there: nothing is done) and is sent once (a failed attempt is followed by a
look before any retry), so a Fix clicked twice or resumed after a crash never does the work twice.
"""

from __future__ import annotations

from pathlib import Path

from bot.azureml_config import WorkspaceConfig
from bot.errors import InvalidInput
from bot.services.devops.client import DevOpsClient, RawResponse, SdkClients
from bot.services.devops.connections import ServiceConnections
from bot.services.devops.extensions import installed_extension
from bot.services.devops.library import SECURE_FILES_LOCATION, SECURE_FILES_VERSION, secure_files
from bot.services.devops.model import Extension, SecureFile, ServiceConnection
from bot.services.devops.projects import project_id

MAX_SECURE_FILE_BYTES = 10 * 1024 * 1024


async def install_extension(devops: DevOpsClient, full_id: str) -> Extension:
    """Installs ``publisher.extension`` (its newest version) unless it is installed already."""
    found = await installed_extension(devops, full_id)
    if found is not None:
        return found
    publisher, _, name = full_id.partition(".")

    async def verify() -> object | None:
        return await installed_extension(devops, full_id)

    await devops.call(lambda c: c.extensions.install_extension_by_name(publisher, name), idempotent=False,
                      verify=verify, what="install the extension")
    installed = await installed_extension(devops, full_id)
    assert installed is not None, "an installed extension reads back"
    return installed


def _arm_endpoint(name: str, workspace: WorkspaceConfig, project: str, project_ref: str) -> object:
    from azure.devops.v7_1.service_endpoint.models import (
        EndpointAuthorization,
        ProjectReference,
        ServiceEndpoint,
        ServiceEndpointProjectReference,
    )

    scope = (f"/subscriptions/{workspace.subscription_id}/resourcegroups/{workspace.resource_group}/providers/"
             f"Microsoft.MachineLearningServices/workspaces/{workspace.workspace_name}")
    return ServiceEndpoint(
        name=name, type="azurerm", url="https://management.azure.com/",
        description=f"Azure Resource Manager, scoped to the Azure ML workspace {workspace.workspace_name} "
        "(created by College Bot from the workspace's config.json).",
        authorization=EndpointAuthorization(scheme="ServicePrincipal", parameters={
            "tenantid": workspace.tenant_id, "serviceprincipalid": workspace.client_id,
            "authenticationType": "spnKey", "serviceprincipalkey": workspace.client_secret, "scope": scope}),
        data={"environment": "AzureCloud", "scopeLevel": "AzureMLWorkspace",
              "subscriptionId": workspace.subscription_id, "subscriptionName": workspace.subscription_id,
              "resourceGroupName": workspace.resource_group, "mlWorkspaceName": workspace.workspace_name,
              "mlWorkspaceLocation": workspace.region, "creationMode": "Manual"},
        service_endpoint_project_references=[ServiceEndpointProjectReference(
            name=name, project_reference=ProjectReference(id=project_ref, name=project))])


async def create_arm_connection(devops: DevOpsClient, name: str, workspace: WorkspaceConfig) -> ServiceConnection:
    """The workspace-scoped Azure Resource Manager connection ``name`` from config.json's service principal
    (unless a connection of that name exists already)."""
    if not workspace.has_service_principal:
        raise InvalidInput("The workspace's config.json has no service principal (service_principal_id, "
                           "service_principal_password, tenant_id).",
                           next_step="Create the connection in Azure DevOps: Project settings → Service connections "
                           "→ New service connection → Azure Resource Manager.")
    connections = ServiceConnections(devops)
    project = devops.project

    async def by_name() -> ServiceConnection | None:
        return next((c for c in await connections.list() if c.name.lower() == name.lower()), None)

    existing = await by_name()
    if existing is not None:
        return existing
    endpoint = _arm_endpoint(name, workspace, project, await project_id(devops))

    def create(c: SdkClients) -> object:
        return c.service_endpoints.create_service_endpoint(endpoint)

    await devops.call(create, idempotent=False, verify=by_name, what="create the service connection")
    created = await by_name()
    assert created is not None, "a created connection reads back"
    return created


async def upload_secure_file(devops: DevOpsClient, name: str, path: str) -> SecureFile:
    """Uploads the file at ``path`` as the project's secure file ``name`` (unless one of that name exists)."""

    async def by_name() -> SecureFile | None:
        return next((f for f in await secure_files(devops, name) if f.name.lower() == name.lower()), None)

    existing = await by_name()
    if existing is not None:
        return existing
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"I cannot read {path} ({exc.strerror or exc}).",
                           next_step="Check AZUREML_CONFIG, or upload the file in Pipelines → Library → Secure "
                           "files.") from None
    if not content or len(content) > MAX_SECURE_FILE_BYTES:
        raise InvalidInput(f"{path} is empty or larger than 10 MB.", next_step="Check AZUREML_CONFIG.")

    async def verify() -> RawResponse | None:
        return RawResponse(200, {}, {}) if await by_name() is not None else None

    await devops.send_raw("task_agent", "POST", SECURE_FILES_LOCATION, SECURE_FILES_VERSION,
                          route_values={"project": devops.project}, query={"name": name}, content=content,
                          media_type="application/octet-stream", idempotent=False, verify=verify,
                          what="upload the secure file")
    uploaded = await by_name()
    assert uploaded is not None, "an uploaded secure file reads back"
    return uploaded
