"""``python -m sandbox``: starts fast on loopback, prints only settings, stops cleanly on SIGTERM/SIGINT, and never
leaves its Azurite behind, even when killed."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.sandbox.test_azureml_control import gone

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {"AZURE_DEVOPS_ORG_URL", "AZURE_DEVOPS_PAT", "AZURE_DEVOPS_PROJECT", "AZURE_DEVOPS_TEAM",
            "SANDBOX_CONTROL_URL", "AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZUREML_WORKSPACE",
            "AZUREML_ARM_ENDPOINT", "AZURE_AUTHORITY_HOST", "AZURE_CA_BUNDLE", "AZUREML_CONFIG",
            "AZUREML_BLOB_ENDPOINT", "OAUTH_URL", "OAUTH_CONNECTION_NAME"}


def _start(*args: str, stderr=subprocess.PIPE) -> tuple[subprocess.Popen, dict[str, str]]:
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", "0", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=stderr, text=True)
    env = {}
    while len(env) < len(SETTINGS):
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"sandbox exited early: {process.stderr.read()}")
        key, _, value = line.rstrip("\n").partition("=")
        env[key] = shlex.split(value)[0]
    return process, env


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_settings_and_stops_cleanly(tmp_path, stop_signal):
    """(How fast it starts is measured by bench/sandbox_timings.py, not asserted here.)"""
    env_file = tmp_path / "sandbox.env"
    process, env = _start("--env-file", str(env_file), "--pat", "test-pat-123", "--oauth-connection", "AdoUsers")
    try:
        assert set(env) == SETTINGS
        assert env["AZURE_DEVOPS_ORG_URL"].startswith("http://127.0.0.1:")
        assert env["AZURE_DEVOPS_PAT"] == "test-pat-123"
        assert env["AZURE_DEVOPS_TEAM"] == "College Team"
        assert "AZURE_DEVOPS_TEAM='College Team'" in env_file.read_text()
        answer = requests.get(f"{env['AZURE_DEVOPS_ORG_URL']}/_apis/projects", auth=("", "test-pat-123"), timeout=5)
        assert answer.status_code == 200 and answer.json()["value"][0]["name"] == "College"
        for key in ("AZUREML_ARM_ENDPOINT", "AZURE_AUTHORITY_HOST", "AZUREML_BLOB_ENDPOINT"):
            assert env[key].startswith("https://127.0.0.1:")
        config = json.loads(Path(env["AZUREML_CONFIG"]).read_text())
        assert set(config) == {"subscription_id", "resource_group", "workspace_name", "workspace_region",
                               "service_principal_id", "service_principal_password", "tenant_id"}
        assert (config["subscription_id"], config["workspace_name"]) == (env["AZURE_SUBSCRIPTION_ID"], "college-aml")
        assert env["OAUTH_CONNECTION_NAME"] == "AdoUsers" and env["OAUTH_URL"].startswith("http://127.0.0.1:")
        no_token = requests.get(f"{env['OAUTH_URL']}/api/usertoken/GetToken", timeout=5,
                                params={"userId": "29:1carol-college", "connectionName": "AdoUsers"})
        assert no_token.status_code == 404
        arm = requests.get(env["AZUREML_ARM_ENDPOINT"], verify=env["AZURE_CA_BUNDLE"], timeout=5)  # HTTPS, our CA
        assert arm.status_code == 401 and arm.json()["error"]["code"] == "AuthenticationFailed"
    finally:
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert out == ""  # nothing but the settings ever reaches stdout
    assert "Traceback" not in err


def test_each_start_gets_its_own_random_pat():
    first, env_one = _start()
    second, env_two = _start()
    try:
        assert env_one["AZURE_DEVOPS_PAT"] != env_two["AZURE_DEVOPS_PAT"]
        assert len(env_one["AZURE_DEVOPS_PAT"]) == 52
    finally:
        for process in (first, second):
            process.terminate()
            process.communicate(timeout=10)


def test_azurite_exits_when_the_sandbox_is_killed():
    process, env = _start(stderr=subprocess.DEVNULL)
    try:
        state = requests.get(f"{env['SANDBOX_CONTROL_URL']}/ready?timeout_s=120", auth=("", env["AZURE_DEVOPS_PAT"]),
                             timeout=130).json()
        assert state["blob_store"] == "ready", state
    finally:
        process.kill()  # SIGKILL: no clean-up runs in the sandbox
        process.wait(10)
    assert gone(state["azurite_pid"])  # its stdin pipe closed: it exited by itself
