"""``python -m sandbox``: starts fast on loopback, prints only settings, stops cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _start(*args: str) -> tuple[subprocess.Popen, dict[str, str]]:
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", "0", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    env = {}
    while len(env) < 5:
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
    process, env = _start("--env-file", str(env_file), "--pat", "test-pat-123")
    try:
        assert set(env) == {"AZURE_DEVOPS_ORG_URL", "AZURE_DEVOPS_PAT", "AZURE_DEVOPS_PROJECT",
                            "AZURE_DEVOPS_TEAM", "SANDBOX_CONTROL_URL"}
        assert env["AZURE_DEVOPS_ORG_URL"].startswith("http://127.0.0.1:")
        assert env["AZURE_DEVOPS_PAT"] == "test-pat-123"
        assert env["AZURE_DEVOPS_TEAM"] == "College Team"
        assert "AZURE_DEVOPS_TEAM='College Team'" in env_file.read_text()
        answer = requests.get(f"{env['AZURE_DEVOPS_ORG_URL']}/_apis/projects", auth=("", "test-pat-123"), timeout=5)
        assert answer.status_code == 200 and answer.json()["value"][0]["name"] == "College"
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
