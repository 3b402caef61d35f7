"""Errors as Azure answers them: ARM's 401/403/404/429 and Entra ID's AADSTS refusals, through the real SDKs."""

from __future__ import annotations

import base64

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

from tests.sandbox.arm_contract import ArmExchange, violations

LEGACY_SP = "9b7c1e2d-4a5f-4c3b-8e6d-2f1a0b9c8d7e"  # Reader on the resource group; one expired, one valid secret
REPORTS_SP = "5c2f7b9e-1d3a-4e8b-a6f0-7e9d2c4b1a63"  # an app of the tenant without any role there


def _arm_get(sandbox, path: str = "", token: str | None = None, **params) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = requests.get(f"{sandbox.arm_endpoint}{sandbox.workspace_path}{path}", headers=headers,
                            params={"api-version": "2024-10-01-preview", **params}, verify=sandbox.ca_bundle,
                            timeout=10)
    assert violations(ArmExchange("GET", response.url, response.status_code, response.json())) == []
    return response


def _token(sandbox, client_id: str | None = None, secret: str | None = None) -> str:
    return sandbox.credential(client_id, secret).get_token(sandbox.arm_endpoint + ".default").token


def test_401_without_a_token(azureml_sandbox):
    answer = _arm_get(azureml_sandbox)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "AuthenticationFailed"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_401_with_a_token_the_sandbox_did_not_sign(azureml_sandbox):
    real = _token(azureml_sandbox)
    header, claims, _ = real.split(".")
    forged = f"{header}.{claims}.{base64.urlsafe_b64encode(b'not the signature').decode().rstrip('=')}"
    for token in (forged, "garbage"):
        answer = _arm_get(azureml_sandbox, token=token)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_401_once_the_token_expires_on_the_sandbox_clock(azureml_sandbox):
    token = _token(azureml_sandbox)
    assert _arm_get(azureml_sandbox, token=token).status_code == 200
    azureml_sandbox.control.advance_clock(3600)
    answer = _arm_get(azureml_sandbox, token=token)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "ExpiredAuthenticationToken"


def test_403_for_an_identity_without_a_role(azureml_sandbox):
    client = azureml_sandbox.ml_client(azureml_sandbox.credential(REPORTS_SP, "Hk2~sandbox-reports-secret-7a4c1e9f3b"))
    with pytest.raises(HttpResponseError) as raised:
        client.workspaces.get(azureml_sandbox.env["AZUREML_WORKSPACE"])
    assert raised.value.status_code == 403 and raised.value.error.code == "AuthorizationFailed"


def test_403_for_a_reader_listing_secrets(azureml_sandbox):
    client = azureml_sandbox.ml_client(azureml_sandbox.credential(LEGACY_SP, "Rn4~sandbox-renewed-secret-2c7d0e4b9a"))
    assert client.datastores.get("workspaceblobstore").account_name == "devstoreaccount1"
    with pytest.raises(HttpResponseError) as raised:
        client.datastores.get("workspaceblobstore", include_secrets=True)
    assert raised.value.status_code == 403 and "listSecrets/action" in raised.value.error.message


def test_404_for_a_missing_model_version_or_workspace(azureml_sandbox):
    client = azureml_sandbox.ml_client()
    with pytest.raises(ResourceNotFoundError) as raised:
        client.models.get("NoSuchModel", version="1")
    assert raised.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError):
        client.models.get("TinyYOLO", version="9")
    with pytest.raises(ResourceNotFoundError):
        client.workspaces.get("no-such-workspace")


def test_429_with_retry_after_then_the_sdk_retries(azureml_sandbox):
    azureml_sandbox.control.add_fault(path_regex="/models/TinyYOLO/versions/2$", status=429, retry_after=1, count=2)
    raw = _arm_get(azureml_sandbox, "/models/TinyYOLO/versions/2", token=_token(azureml_sandbox),
                   **{"api-version": "2023-08-01-preview"})
    assert raw.status_code == 429 and raw.headers["Retry-After"] == "1"
    assert raw.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    since = azureml_sandbox.control.last_seq()
    assert azureml_sandbox.ml_client().models.get("TinyYOLO", version="2").version == "2"
    statuses = [r["status"] for r in azureml_sandbox.control.requests(since) if r["path"].endswith("/versions/2")]
    assert statuses == [429, 200]


def test_entra_refuses_a_wrong_secret(azureml_sandbox):
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        _token(azureml_sandbox, secret="not-the-secret")


def test_entra_refuses_an_expired_secret_by_the_sandbox_clock(azureml_sandbox):
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000222"):
        _token(azureml_sandbox, LEGACY_SP, "Zt7~sandbox-expired-secret-5b1e9c3a7f")
    assert _token(azureml_sandbox)  # config.json's secret is valid today ...
    azureml_sandbox.control.advance_clock(181 * 24 * 3600)
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000222"):
        _token(azureml_sandbox)  # ... and expired in 181 days (a new credential: no cached token)


def test_entra_refuses_an_unknown_resource_and_an_unknown_app(azureml_sandbox):
    credential = azureml_sandbox.credential()
    with pytest.raises(ClientAuthenticationError, match="AADSTS500011"):
        credential.get_token("https://graph.microsoft.com/.default")
    with pytest.raises(ClientAuthenticationError, match="AADSTS700016"):
        _token(azureml_sandbox, "00000000-0000-0000-0000-000000000001", "x")
