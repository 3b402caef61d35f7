"""serviceEndpoint: connections, TestConnection verdicts from stored credentials, updates, history."""

from __future__ import annotations

import json
from pathlib import Path

from azure.devops.v7_1.service_endpoint.models import DataSourceDetails, ServiceEndpointRequest

CREDENTIALS = json.loads((Path(__file__).resolve().parents[2] / "sandbox" / "world" / "credentials.json").read_text())


def _by_name(clients):
    return {e.name: e for e in clients.endpoints.get_service_endpoints("College")}


def _test_connection(clients, endpoint_id):
    request = ServiceEndpointRequest(data_source_details=DataSourceDetails(data_source_name="TestConnection"))
    return clients.endpoints.execute_service_endpoint_request(request, "College", endpoint_id)


def test_seeded_connections_never_show_secrets(clients):
    endpoints = _by_name(clients)
    assert set(endpoints) == {"GitHub", "aml-workspace-connection", "legacy-arm-connection"}
    arm = endpoints["aml-workspace-connection"]
    assert arm.type == "azurerm" and arm.authorization.scheme == "ServicePrincipal"
    assert arm.data["scopeLevel"] == "AzureMLWorkspace" and arm.data["mlWorkspaceName"] == "college-aml"
    assert "serviceprincipalkey" not in arm.authorization.parameters
    assert "accessToken" not in endpoints["GitHub"].authorization.parameters
    details = clients.endpoints.get_service_endpoint_details("College", arm.id)
    assert details.name == arm.name and details.is_ready


def test_connections_by_names(clients):
    """What the bot asks after a create whose answer was lost: is a connection of that name there?"""
    (github,) = clients.endpoints.get_service_endpoints_by_names("College", ["GitHub"])
    assert github.name == "GitHub" and github.type == "github" and github.is_ready
    assert "accessToken" not in github.authorization.parameters
    both = clients.endpoints.get_service_endpoints_by_names("College", ["legacy-arm-connection", "GitHub"])
    assert sorted(e.name for e in both) == ["GitHub", "legacy-arm-connection"]
    assert clients.endpoints.get_service_endpoints_by_names("College", ["no-such-connection"]) == []


def test_healthy_connections_pass_test_connection(clients):
    endpoints = _by_name(clients)
    for name in ("GitHub", "aml-workspace-connection"):
        result = _test_connection(clients, endpoints[name].id)
        assert result.status_code == "ok", (name, result.error_message)
        assert result.error_message == ""


def test_expired_secret_fails_with_the_services_text_until_renewed(clients):
    legacy = _by_name(clients)["legacy-arm-connection"]
    failed = _test_connection(clients, legacy.id)
    assert failed.status_code == "badRequest"
    assert failed.error_message.startswith("Failed to obtain the Json Web Token(JWT) using service principal")
    assert "AADSTS7000222" in failed.error_message and "are expired" in failed.error_message

    app = next(a for a in CREDENTIALS["entra_apps"] if a["app_id"] == legacy.authorization.parameters[
        "serviceprincipalid"])
    renewed = next(s["value"] for s in app["secrets"] if s["expires_in_days"] > 0)
    legacy.authorization.parameters["serviceprincipalkey"] = "not-the-secret"
    clients.endpoints.update_service_endpoint(legacy, legacy.id)
    wrong = _test_connection(clients, legacy.id)
    assert "AADSTS7000215" in wrong.error_message

    legacy.authorization.parameters["serviceprincipalkey"] = renewed
    updated = clients.endpoints.update_service_endpoint(legacy, legacy.id)
    assert "serviceprincipalkey" not in updated.authorization.parameters
    assert _test_connection(clients, legacy.id).status_code == "ok"


def test_update_without_secret_keeps_the_stored_one(clients):
    arm = _by_name(clients)["aml-workspace-connection"]
    arm.description = "renamed by a test"
    clients.endpoints.update_service_endpoint(arm, arm.id)
    assert clients.endpoints.get_service_endpoint_details("College", arm.id).description == "renamed by a test"
    assert _test_connection(clients, arm.id).status_code == "ok"


def test_secret_expiry_follows_the_clock(clients, devops_sandbox):
    arm = _by_name(clients)["aml-workspace-connection"]
    devops_sandbox.advance_clock(181 * 24 * 3600)
    result = _test_connection(clients, arm.id)
    assert "AADSTS7000222" in result.error_message


def test_execution_history_newest_first(clients):
    endpoints = _by_name(clients)
    records = clients.endpoints.get_service_endpoint_execution_records("College", endpoints["legacy-arm-connection"].id)
    assert [r.data.result for r in records] == ["failed", "succeeded"]
    assert records[0].data.definition.name == "TinyYOLO to IoT Edge"
    assert records[0].data.start_time > records[1].data.start_time
    first = clients.endpoints.get_service_endpoint_execution_records(
        "College", endpoints["legacy-arm-connection"].id, top=1)
    assert len(first) == 1
