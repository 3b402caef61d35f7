"""extensionManagement, distributedtask secure files and release definitions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError

PEOPLE = {p["key"]: p for p in json.loads(
    (Path(__file__).resolve().parents[2] / "sandbox" / "world" / "college_team.json").read_text())["people"]}


def test_mlops_extension_is_installed(clients):
    installed = clients.extensions.get_installed_extensions()
    assert "ms-air-aiagility.vss-services-azureml" in {f"{e.publisher_id}.{e.extension_id}" for e in installed}
    extension = clients.extensions.get_installed_extension_by_name("ms-air-aiagility", "vss-services-azureml")
    assert extension.extension_name == "Machine Learning"


def test_missing_extension_is_404(clients):
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.extensions.get_installed_extension_by_name("ms", "nope")
    assert caught.value.type_key == "InstalledExtensionNotFoundException"


def test_uninstalling_the_extension_shows_in_the_list(clients):
    clients.extensions.uninstall_extension_by_name("ms-air-aiagility", "vss-services-azureml")
    assert "vss-services-azureml" not in {e.extension_id for e in clients.extensions.get_installed_extensions()}


SECURE_FILES = "adcfd8bc-b184-43ba-bd84-7c8c6a2ff421"


def _secure_files(clients, method="GET", file_id=None):
    """azure-devops 7.1.0b4 has no secure-file methods: call their location through the client's _send."""
    route = {"project": "College", **({"secureFileId": file_id} if file_id else {})}
    response = clients.tasks._send(http_method=method, location_id=SECURE_FILES, version="7.1-preview.1",
                                   route_values=route)
    return clients.tasks._deserialize("[SecureFile]", clients.tasks._unwrap_collection(response)) \
        if method == "GET" else None


def test_secure_file_config_json(clients):
    files = _secure_files(clients)
    assert [f.name for f in files] == ["config.json"]
    assert files[0].created_by.unique_name == PEOPLE["alice"]["upn"]
    _secure_files(clients, "DELETE", files[0].id)
    assert _secure_files(clients) == []


def test_release_definition_with_artifacts_and_approvers(clients):
    listed = clients.release.get_release_definitions("College")
    assert [d.name for d in listed] == ["TinyYOLO to IoT Edge"]
    assert listed[0].environments is None  # the list is shallow unless expanded
    definition = clients.release.get_release_definition("College", listed[0].id)
    assert [e.name for e in sorted(definition.environments, key=lambda e: e.rank)] == ["Dev", "QA", "Prod"]
    types = {a.type: a for a in definition.artifacts}
    assert types["GitHub"].definition_reference["definition"].name == "Azure-Samples/onnxruntime-iot-edge"
    assert types["AzureML"].definition_reference["model"].name == "TinyYOLO"
    approvers = {e.name: [a.approver.unique_name for a in e.pre_deploy_approvals.approvals if a.approver]
                 for e in definition.environments}
    assert approvers == {"Dev": [], "QA": [PEOPLE["dave"]["upn"]], "Prod": [PEOPLE["carol"]["upn"]]}
    expanded = clients.release.get_release_definitions("College", expand="artifacts")
    assert {a.type for a in expanded[0].artifacts} == {"GitHub", "AzureML"}


def test_unknown_release_definition_is_404(clients):
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.release.get_release_definition("College", 999)
    assert caught.value.type_key == "ReleaseDefinitionNotFoundException"
