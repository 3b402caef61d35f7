"""compare(previous, current): verdict change, latency change in percent, signature change."""

from __future__ import annotations

import copy

from bot.services.models import compare


def report(verdict="pass", p50=50.0, p95=55.0, threads=1, sha="a" * 64, output_shape=("N", 125, 13, 13)):
    return {
        "verdict": verdict, "file": {"sha256": sha},
        "signature": {"inputs": [{"name": "image", "type": "tensor(float)", "shape": ["N", 3, 416, 416]}],
                      "outputs": [{"name": "grid", "type": "tensor(float)", "shape": list(output_shape)}]},
        "latency": {"p50_ms": p50, "p95_ms": p95, "batch": 1},
        "runtime": {"execution_provider": "CPUExecutionProvider", "intra_op_num_threads": threads,
                    "inter_op_num_threads": 1, "onnxruntime": "1.32.0"},
    }


def test_nothing_changed():
    found = compare(report(), copy.deepcopy(report()))
    assert found["notable"] == [] and found["same_file"] is True
    assert found["verdict"] == {"previous": "pass", "current": "pass", "changed": False, "regressed": False,
                                "improved": False}
    assert found["latency"]["p50_change_percent"] == 0.0 and found["latency"]["comparable"] is True
    assert found["signature"]["changed"] is False


def test_a_regression_slower_with_a_new_output_shape():
    found = compare(report(), report("fail", p50=56.0, p95=66.0, sha="b" * 64, output_shape=("N", 125, 26, 26)))
    assert found["notable"] == ["verdict", "latency", "signature"] and found["same_file"] is False
    assert found["verdict"]["regressed"] is True and found["verdict"]["improved"] is False
    assert found["latency"]["p50_change_percent"] == 12.0 and found["latency"]["p95_change_percent"] == 20.0
    assert found["signature"]["outputs"]["changed"] == [
        {"name": "grid", "previous": {"type": "tensor(float)", "shape": ["N", 125, 13, 13]},
         "current": {"type": "tensor(float)", "shape": ["N", 125, 26, 26]}}]
    assert found["signature"]["inputs"] == {"added": [], "removed": [], "changed": []}


def test_an_improvement_and_small_latency_changes_are_not_called_out():
    found = compare(report("cannot_run"), report("no_test_data", p50=52.0))
    assert found["verdict"]["improved"] is True and found["notable"] == ["verdict"]
    assert found["latency"]["p50_change_percent"] == 4.0 and found["latency"]["notable"] is False


def test_renamed_ports_and_timings_under_other_settings():
    current = report(threads=2)
    current["signature"]["inputs"][0]["name"] = "images"
    found = compare(report(), current)
    assert found["signature"]["inputs"]["added"] == ["images"] and found["signature"]["inputs"]["removed"] == ["image"]
    assert found["latency"]["comparable"] is False


def test_reports_without_latency_or_signature():
    broken = {"verdict": "cannot_run", "file": {"sha256": "c" * 64}, "signature": None, "latency": None,
              "runtime": {}}
    found = compare(report(), broken)
    assert found["latency"]["p50_change_percent"] is None and found["latency"]["notable"] is False
    assert found["signature"] == {"changed": False, "known": False,
                                  "inputs": {"added": [], "removed": [], "changed": []},
                                  "outputs": {"added": [], "removed": [], "changed": []}}
    assert found["notable"] == ["verdict"] and found["verdict"]["regressed"] is True
