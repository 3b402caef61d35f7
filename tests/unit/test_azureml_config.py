"""The Azure ML workspace from the workshop's config.json and the settings; Azure ML failures as cards."""

import json

import pytest

from bot.azureml_config import WorkspaceConfigError, workspace_config
from bot.services.azureml.client import cloud_name, to_user_error
from bot.services.retry import Failure
from bot.settings import SettingsError, load_settings

WORKSHOP = {"subscription_id": "sub-1", "resource_group": "college-rg", "workspace_name": "college-aml",
            "workspace_region": "westeurope", "service_principal_id": "app-1",
            "service_principal_password": "Sp~secret-value-123", "tenant_id": "tenant-1"}


def write(tmp_path, data) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def test_the_workshop_config_names_the_workspace_and_its_service_principal(tmp_path):
    config = workspace_config(write(tmp_path, WORKSHOP))
    assert (config.subscription_id, config.resource_group, config.workspace_name) == ("sub-1", "college-rg",
                                                                                        "college-aml")
    assert config.has_service_principal and config.region == "westeurope"
    assert "Sp~secret" not in repr(config)


def test_settings_win_over_the_file_and_nothing_named_is_no_workspace(tmp_path):
    assert workspace_config(write(tmp_path, WORKSHOP), workspace_name="other").workspace_name == "other"
    assert workspace_config("") is None


@pytest.mark.parametrize(("data", "says"), [("{not json", "not JSON"), ("[1]", "not a JSON object"),
                                            ({"subscription_id": "s"}, "AZURE_RESOURCE_GROUP, AZUREML_WORKSPACE")])
def test_an_unusable_file_says_what_to_fix(tmp_path, data, says):
    with pytest.raises(WorkspaceConfigError, match=says):
        workspace_config(write(tmp_path, data))


def test_settings_fail_fast_and_scrub_the_service_principal_secret(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True,
                      AZUREML_CONFIG=str(tmp_path / "missing.json"))
    settings = load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True,
                             AZUREML_CONFIG=write(tmp_path, WORKSHOP))
    assert "Sp~secret-value-123" in settings.secrets()


def test_each_arm_endpoint_is_its_own_cloud():
    assert cloud_name("https://management.azure.com") == "AzureCloud"
    assert cloud_name("https://127.0.0.1:8443") != cloud_name("https://127.0.0.1:9443")


@pytest.mark.parametrize(("failure", "title", "step"), [
    (Failure("AADSTS7000222: The provided client secret keys are expired.", kind="auth"), "refused",
     "Certificates & secrets"),
    (Failure("AADSTS7000215: Invalid client secret provided.", kind="auth"), "refused", "service_principal_password"),
    (Failure("no", status=403), "Not allowed", "AzureML Data Scientist"),
    (Failure("gone", status=404), "Not found", "Type models"),
    (Failure("busy", status=429, retry_after=20), "busy", "20 seconds"),
    (Failure("down", status=503), "unavailable", "Try again in a minute"),
])
def test_azure_ml_failures_say_what_to_do(tmp_path, failure, title, step):
    error = to_user_error(failure, workspace_config(write(tmp_path, WORKSHOP)), "list the models")
    assert title.lower() in error.title.lower() and step in error.next_step
