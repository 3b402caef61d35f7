"""The benchmarks run end to end (tiny sizes). Their numbers are printed, never asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_help_latency_runs_end_to_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.help_latency", "--turns", "10", "--concurrency", "2", "--warmup", "4",
         "--starts", "1", "--out-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("echo bot", "College Bot", "College/echo", "p50 latency", "p99 latency", "throughput",
                    "start-up to /healthz", "RSS after run"):
        assert heading in result.stdout, result.stdout
    assert json.loads((tmp_path / "latest.json").read_text())["modes"]["sequential"]["college"]["turns"] == 10
    assert (tmp_path / "latest.md").read_text().startswith("# Benchmark")


def test_turn_breakdown_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.turn_breakdown", "--turns", "5", "--warmup", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SQLite de-dup write" in result.stdout and "reply POST" in result.stdout, result.stdout


def test_sandbox_timings_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.sandbox_timings", "--starts", "1", "--resets", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sandbox start-up" in result.stdout and "reset round trip" in result.stdout, result.stdout


def test_isolated_jobs_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.isolated_jobs", "--jobs", "2", "--work-ms", "0", "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("in-process", "isolated, 1 at once", "isolated, 2 at once", "start-up", "result back",
                    "overhead p50 ms"):
        assert heading in result.stdout, result.stdout


def test_devops_latency_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.devops_latency", "--turns", "1", "--delay-ms", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| team |" in result.stdout and "round trips" in result.stdout, result.stdout


def test_model_check_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.model_check", "--runs", "2", "--warmup", "1", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("bare onnxruntime", "check_model", "check/bare", "p50 latency", "throughput", "whole run",
                    "isolated check_model", "child imports"):
        assert heading in result.stdout, result.stdout


def test_hostile_memory_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.hostile_memory", "--activities", "30", "--warmup", "3", "--concurrency", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("hostile activities: 30", "HTTP statuses", "RSS, MiB", "open file descriptors"):
        assert heading in result.stdout, result.stdout


def test_models_latency_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.models_latency", "--turns", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=400, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("p50 turn, ms", "start-up to /healthz", "RSS after the turns"):
        assert heading in result.stdout, result.stdout


def test_digest_cost_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.digest_cost", "--sizes", "20x5", "--rounds", "1", "--runs-per-pipeline", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| 20 | 5 |" in result.stdout and "Azure DevOps calls" in result.stdout, result.stdout


def test_startup_budget_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.startup_budget", "--starts", "1", "--idle-s", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("start-up to /healthz 200", "RSS idle", "OAUTH_CONNECTION_NAME", "AZUREML_WORKSPACE"):
        assert heading in result.stdout, result.stdout
    assert "BOT_PUBLIC_URL" in result.stdout, result.stdout


def test_telemetry_cost_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.telemetry_cost", "--starts", "1", "--turns", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("echo bot (floor)", "College Bot, no telemetry", "College Bot, telemetry", "start-up to /healthz",
                    "idle RSS", "ingestion stand-in accepted", "us off"):
        assert heading in result.stdout, result.stdout


def test_instances_runs_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.instances", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=400, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("| SQLite |", "| Azure Blob (Azurite) |", "Blob store requests per click", "LEASE_SECONDS",
                    "kill to digest", "digests per round"):
        assert heading in result.stdout, result.stdout
