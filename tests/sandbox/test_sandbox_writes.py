"""Write routes through the real SDK: create service connections, install extensions, upload secure files, update
release definitions; each with the service's errors, and visible to later calls."""

from __future__ import annotations

import io

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.service_endpoint.models import (
    DataSourceDetails,
    EndpointAuthorization,
    ProjectReference,
    ServiceEndpoint,
    ServiceEndpointProjectReference,
    ServiceEndpointRequest,
)

GITHUB_TOKEN = "ghp_sandboxCollegeBot0000000000000000000"  # sandbox/world/credentials.json
AML_SECRET = "Qx1~sandbox-healthy-secret-8d2f6a0c4e"
SECURE_FILES = "adcfd8bc-b184-43ba-bd84-7c8c6a2ff421"
PRIVATE_REMOTE = "https://github.com/college-org/private-models"


def _project_id(clients) -> str:
    return clients.core.get_project("College").id


def _endpoint(clients, name, type_, url, scheme, parameters, data=None) -> ServiceEndpoint:
    return ServiceEndpoint(
        name=name, type=type_, url=url, data=data or {},
        authorization=EndpointAuthorization(scheme=scheme, parameters=parameters),
        service_endpoint_project_references=[ServiceEndpointProjectReference(
            name=name, project_reference=ProjectReference(id=_project_id(clients), name="College"))])


def _test_connection(clients, endpoint_id):
    request = ServiceEndpointRequest(data_source_details=DataSourceDetails(data_source_name="TestConnection"))
    return clients.endpoints.execute_service_endpoint_request(request, "College", endpoint_id)


# ---- service connections -------------------------------------------------------------------------------------------
def test_created_connection_is_listed_without_its_secret_and_tested_with_it(clients):
    created = clients.endpoints.create_service_endpoint(_endpoint(
        clients, "GitHub (bot)", "github", "https://github.com", "PersonalAccessToken", {"accessToken": GITHUB_TOKEN}))
    assert created.id and created.name == "GitHub (bot)" and created.is_ready
    assert "accessToken" not in created.authorization.parameters
    assert "GitHub (bot)" in {e.name for e in clients.endpoints.get_service_endpoints("College")}
    assert _test_connection(clients, created.id).status_code == "ok"

    wrong = clients.endpoints.create_service_endpoint(_endpoint(
        clients, "GitHub (wrong)", "github", "https://github.com", "PersonalAccessToken", {"accessToken": "ghp_nope"}))
    verdict = _test_connection(clients, wrong.id)
    assert verdict.status_code == "unauthorized" and "Bad credentials" in verdict.error_message


def test_created_arm_connection_judged_by_entra(clients):
    parameters = {"tenantid": "b3288a75-54ea-4cfd-b455-3f31258f9721", "authenticationType": "spnKey",
                  "serviceprincipalid": "3d5e8a41-7c2b-4f6e-9a1d-0b8c7e6f5a42", "serviceprincipalkey": AML_SECRET}
    created = clients.endpoints.create_service_endpoint(_endpoint(
        clients, "arm-new", "azurerm", "https://management.azure.com/", "ServicePrincipal", parameters,
        {"subscriptionName": "College MLOps", "scopeLevel": "AzureMLWorkspace"}))
    assert "serviceprincipalkey" not in created.authorization.parameters
    assert _test_connection(clients, created.id).status_code == "ok"


def test_git_connection_for_a_private_remote(clients):
    good = clients.endpoints.create_service_endpoint(_endpoint(
        clients, "import-good", "git", PRIVATE_REMOTE, "UsernamePassword",
        {"username": "college-bot", "password": GITHUB_TOKEN}))
    assert "password" not in good.authorization.parameters and good.authorization.parameters["username"]
    assert _test_connection(clients, good.id).status_code == "ok"
    bad = clients.endpoints.create_service_endpoint(_endpoint(
        clients, "import-bad", "git", PRIVATE_REMOTE, "UsernamePassword", {"username": "x", "password": "nope"}))
    assert "Authentication failed" in _test_connection(clients, bad.id).error_message


@pytest.mark.parametrize(("change", "type_key", "says"), [
    ({"name": "GitHub"}, "DuplicateServiceConnectionException", "already exists"),
    ({"name": "  "}, "ArgumentNullException", "Name"),
    ({"type": "nosuchtype"}, "ArgumentException", "not supported"),
    ({"scheme": "UsernamePassword"}, "ArgumentException", "authorization scheme"),
    ({"parameters": {}}, "ArgumentException", "accesstoken"),
    ({"url": "not a url"}, "ArgumentException", "valid absolute URL"),
    ({"url": f"https://u:{GITHUB_TOKEN}@github.com"}, "ArgumentException", "must not contain credentials"),
    ({"projects": []}, "ArgumentNullException", "ServiceEndpointProjectReferences"),
])
def test_invalid_creates_are_refused_as_the_service_does(clients, change, type_key, says):
    endpoint = _endpoint(clients, change.get("name", "new-github"), change.get("type", "github"),
                         change.get("url", "https://github.com"), change.get("scheme", "PersonalAccessToken"),
                         change.get("parameters", {"accessToken": GITHUB_TOKEN}))
    if "projects" in change:
        endpoint.service_endpoint_project_references = change["projects"]
    before = {e.name for e in clients.endpoints.get_service_endpoints("College")}
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.endpoints.create_service_endpoint(endpoint)
    assert caught.value.type_key == type_key and says in caught.value.message
    assert {e.name for e in clients.endpoints.get_service_endpoints("College")} == before


def test_deleted_connection_is_gone(clients):
    github = next(e for e in clients.endpoints.get_service_endpoints("College") if e.name == "GitHub")
    clients.endpoints.delete_service_endpoint(github.id, [_project_id(clients)])
    assert "GitHub" not in {e.name for e in clients.endpoints.get_service_endpoints("College")}
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.endpoints.delete_service_endpoint(github.id, [_project_id(clients)])
    assert caught.value.type_key == "ServiceEndpointNotFoundException"


# ---- extensions ------------------------------------------------------------------------------------------------------
def test_install_an_extension_from_the_marketplace(clients):
    clients.extensions.uninstall_extension_by_name("ms-air-aiagility", "vss-services-azureml")
    installed = clients.extensions.install_extension_by_name("ms-air-aiagility", "vss-services-azureml")
    assert installed.extension_name == "Machine Learning" and installed.version == "0.1.48"
    assert clients.extensions.get_installed_extension_by_name("ms-air-aiagility", "vss-services-azureml").version
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.extensions.install_extension_by_name("ms-air-aiagility", "vss-services-azureml")
    assert caught.value.type_key == "ExtensionAlreadyInstalledException"


def test_install_a_given_version_or_an_unknown_extension(clients):
    timeline = clients.extensions.install_extension_by_name("ms-devlabs", "workitem-feature-timeline-extension",
                                                             "1.0.143")
    assert timeline.version == "1.0.143"
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.extensions.install_extension_by_name("nobody", "nothing")
    assert caught.value.type_key == "ExtensionDoesNotExistException"
    clients.extensions.uninstall_extension_by_name("ms", "vss-code-search")
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.extensions.install_extension_by_name("ms", "vss-code-search", "0.0.1")
    assert caught.value.type_key == "ExtensionVersionNotFoundException"


# ---- secure files ----------------------------------------------------------------------------------------------------
def _upload(clients, name, content: bytes):
    """The 7.1 SDK has no secure-file upload: its location through _send, the body as an octet stream."""
    response = clients.tasks._send(http_method="POST", location_id=SECURE_FILES, version="7.1-preview.1",
                                   route_values={"project": "College"}, query_parameters={"name": name},
                                   content=clients.tasks._client.stream_upload(io.BytesIO(content), callback=None),
                                   media_type="application/octet-stream")
    return clients.tasks._deserialize("SecureFile", response)


def _secure_file_names(clients) -> list[str]:
    response = clients.tasks._send(http_method="GET", location_id=SECURE_FILES, version="7.1-preview.1",
                                   route_values={"project": "College"})
    return [f.name for f in clients.tasks._deserialize("[SecureFile]", clients.tasks._unwrap_collection(response))]


def test_upload_a_secure_file(clients):
    uploaded = _upload(clients, "settings.json", b'{"workspace_name": "college-aml"}')
    assert uploaded.name == "settings.json" and uploaded.id and uploaded.created_by.unique_name
    assert sorted(_secure_file_names(clients)) == ["config.json", "settings.json"]


@pytest.mark.parametrize(("name", "content", "says"), [
    ("config.json", b"{}", "already exists"),
    ("", b"{}", "Parameter name: name"),
    ("a/b.json", b"{}", "not allowed"),
    ("empty.json", b"", "octet-stream"),
])
def test_invalid_uploads_are_refused(clients, name, content, says):
    with pytest.raises(AzureDevOpsServiceError) as caught:
        _upload(clients, name, content)
    assert says in caught.value.message
    assert _secure_file_names(clients) == ["config.json"]


# ---- release definitions -----------------------------------------------------------------------------------------
def test_update_a_release_definition_artifact_connection(clients):
    arm = next(e for e in clients.endpoints.get_service_endpoints("College") if e.name == "legacy-arm-connection")
    definition = clients.release.get_release_definition("College", 1)
    model = next(a for a in definition.artifacts if a.type == "AzureML")
    model.definition_reference["connection"].id = arm.id
    model.definition_reference["connection"].name = arm.name
    updated = clients.release.update_release_definition(definition, "College")
    assert updated.revision == definition.revision + 1
    again = clients.release.get_release_definition("College", 1)
    connection = next(a for a in again.artifacts if a.type == "AzureML").definition_reference["connection"]
    assert (connection.id, connection.name) == (arm.id, arm.name)
    assert [e.name for e in again.environments] == ["Dev", "QA", "Prod"]
    with pytest.raises(AzureDevOpsServiceError) as caught:  # a stale revision
        clients.release.update_release_definition(definition, "College")
    assert "Refresh it and try again" in caught.value.message
