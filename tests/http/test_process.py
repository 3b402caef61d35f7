"""`python app.py` as a process: refuses bad configurations with a message, announces local mode, logs no secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.harness.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET_PAT = "pat-value-that-must-not-appear-anywhere"
SEAL_KEY = "c2VhbC1rZXktdGhhdC1tdXN0LW5vdC1hcHBlYXIhISE="  # a Fernet key (32 bytes) that must not appear either


def run_app(env: dict[str, str], tmp_path: Path) -> subprocess.Popen:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "AZURE_DEVOPS_CACHE_DIR")}
    return subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env={**base, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)



@pytest.mark.parametrize(("env", "expected"), [
    ({}, "MicrosoftAppId is not set"),
    ({"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true", "AZURE_DEVOPS_PAT": SECRET_PAT},
     "AZURE_DEVOPS_ORG_URL is missing"),
    ({"MicrosoftAppId": "0000", "MicrosoftAppType": "SingleTenant", "MicrosoftAppPassword": SECRET_PAT},
     "MicrosoftAppTenantId is missing"),
])
def test_bad_configuration_stops_with_a_message(tmp_path, env, expected):
    process = run_app(env, tmp_path)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert expected in err and "Traceback" not in err and SECRET_PAT not in err + out


def test_local_mode_announces_itself_listens_on_loopback_and_logs_no_secret(tmp_path):
    port = free_port()
    process = run_app({"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true", "PORT": str(port),
                       "AZURE_DEVOPS_ORG_URL": "http://127.0.0.1:9/college", "AZURE_DEVOPS_PAT": SECRET_PAT,
                       "STORE_URL": f"sqlite:///{tmp_path}/bot.db", "PENDING_SECRETS_KEY": SEAL_KEY}, tmp_path)
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    health = json.load(response)
            except OSError:
                time.sleep(0.05)
        assert health == {"version": health["version"], "auth": "off", "backend": "sandbox",
                          "backends": {"azure_devops": "sandbox"},
                          "decisions": {"identity": "the bot's identity", "why": "OAUTH_CONNECTION_NAME is not set"},
                          "pending_secrets": "sealed"}
        listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
        ours = [line.split()[1] for line in listening if line.split()[1].endswith(f":{port:04X}")]
        assert ours and all(address.startswith("0100007F:") for address in ours), ours  # 127.0.0.1 only
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert "AUTHENTICATION IS OFF" in err
    first = json.loads(err.splitlines()[0])
    assert first["level"] == "WARNING"
    assert SECRET_PAT not in err + out and SEAL_KEY not in err + out


async def test_work_in_another_process_runs_through_the_services_and_stops_with_the_bot(teams):
    """The bot's IsolatedRunner (bot/isolation) runs a job in a child process; shutting the app down stops it."""
    from app import RUNTIME
    from bot.isolation import Ok, Stopped

    runtime = teams.http.app[RUNTIME]
    assert await runtime.services.isolation.run("os:getpid") != Ok(value=os.getpid())
    assert isinstance(await runtime.services.isolation.run("os:getpid"), Ok)
    await runtime.close()
    assert isinstance(await runtime.services.isolation.run("os:getpid"), Stopped)
