"""check_model over the sandbox's seeded models and small hand-made cases: verdicts, facts, the rule, the limits."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from bot.services.models import check_model
from bot.services.models import checker as checker_module
from bot.services.models.options import CheckOptions, tolerances_from_tags

ROOT = Path(__file__).resolve().parents[2]
QUICK = {"warmup_runs": 1, "latency_runs": 3}


@pytest.fixture(scope="module")
def reports(seeded_models):
    """One report per seeded version (quick timing settings)."""
    return {key: check_model(str(version.directory), QUICK) for key, version in seeded_models.items()}


def test_every_report_is_json_with_every_key(reports):
    for report in reports.values():
        assert json.loads(json.dumps(report, allow_nan=False)) == report
        assert set(report) == {"format", "verdict", "reason", "file", "model", "checker", "signature", "tolerance",
                               "test_data", "max_abs_err", "max_rel_err", "latency", "runtime", "seconds"}
        assert report["reason"]


@pytest.mark.parametrize("version", [1, 2])
def test_tiny_yolo_1_and_2_pass_their_test_data(reports, seeded_models, version):
    report = reports["TinyYOLO", version]
    assert report["verdict"] == "pass", report["reason"]
    (data_set,) = report["test_data"]
    assert data_set["name"] == "test_data_set_0" and data_set["passed"] is True and data_set["error"] is None
    assert data_set["mismatched"] == 0 and data_set["elements"] == 125 * 13 * 13
    assert 0 <= report["max_abs_err"] < 1e-3
    model_file = seeded_models["TinyYOLO", version].directory / "model.onnx"
    assert report["file"] == {"name": "model.onnx", "size_bytes": model_file.stat().st_size,
                              "sha256": hashlib.sha256(model_file.read_bytes()).hexdigest()}


def test_the_facts_of_a_model(reports):
    report = reports["TinyYOLO", 1]
    model = report["model"]
    assert (model["ir_version"], model["opsets"], model["producer"]) == (4, {"ai.onnx": 8}, "college-bot-sandbox 1")
    assert 15_800_000 < model["parameters"] < 16_000_000
    assert report["checker"] == {"valid": True, "message": None, "full_check": False}
    assert report["signature"] == {
        "inputs": [{"name": "image", "type": "tensor(float)", "shape": ["N", 3, 416, 416]}],
        "outputs": [{"name": "grid", "type": "tensor(float)", "shape": ["N", 125, 13, 13]}]}
    assert report["tolerance"] == {"atol": 1e-3, "rtol": 1e-3, "source": "default",
                                   "rule": "|expected - actual| <= atol + rtol * |expected|"}
    runtime = report["runtime"]
    assert runtime["onnxruntime"] == __import__("onnxruntime").__version__ and runtime["onnx"] == onnx.__version__
    assert runtime["execution_provider"] == "CPUExecutionProvider"
    assert (runtime["intra_op_num_threads"], runtime["inter_op_num_threads"]) == (1, 1)
    assert (runtime["execution_mode"], runtime["allow_spinning"]) == ("ORT_SEQUENTIAL", False)
    latency = report["latency"]
    assert (latency["inputs"], latency["batch"], latency["warmup_runs"], latency["runs"]) == ("test_data_set_0", 1, 1,
                                                                                               3)
    assert 0 < latency["p50_ms"] <= latency["p95_ms"] and latency["throughput_per_s"] > 0
    assert set(report["seconds"]) == {"load", "session", "test_data", "latency", "total"}


def test_tiny_yolo_3_fails_with_errors_above_the_tolerance(reports):
    report = reports["TinyYOLO", 3]
    assert report["verdict"] == "fail"
    (data_set,) = report["test_data"]
    (grid,) = data_set["outputs"]
    assert grid["name"] == "grid" and grid["passed"] is False and grid["problem"] is None
    assert grid["mismatched"] > grid["elements"] // 2
    assert report["max_abs_err"] > 0.01 and report["max_rel_err"] > 0.01
    assert report["reason"].startswith("test_data_set_0: ") and "values of grid outside" in report["reason"]
    assert "|exp - act| <= 0.001 + 0.001*|exp|" in report["reason"]
    assert report["latency"]["p50_ms"] > 0  # a failing model is still timed


def test_tolerances_from_the_options_decide(seeded_models):
    report = check_model(str(seeded_models["TinyYOLO", 3].directory), {"atol": 1.0, "rtol": 1.0, "latency_runs": 0})
    assert report["verdict"] == "pass" and report["tolerance"]["source"] == "options"
    assert report["tolerance"]["atol"] == 1.0 and report["latency"] is None


def test_tolerances_from_tags():
    assert tolerances_from_tags({"atol": "1e-4", "rtol": "0.01", "task": "x"}) == {
        "atol": 1e-4, "rtol": 0.01, "tolerance_source": "tags"}
    assert tolerances_from_tags({"atol": "tight", "rtol": "-1"}) == {}
    assert CheckOptions.from_json(tolerances_from_tags({"atol": "0.5"})).tolerance_source == "tags"


def test_unknown_or_bad_options_are_refused():
    with pytest.raises(ValueError, match="unknown check options"):
        CheckOptions.from_json({"atoll": 1})
    with pytest.raises(ValueError, match="thread"):
        CheckOptions.from_json({"intra_op_threads": 0})


def test_a_model_without_test_data_is_timed_on_made_up_inputs(reports):
    report = reports["TinyResNet", 1]
    assert report["verdict"] == "no_test_data" and report["test_data"] == []
    assert report["max_abs_err"] is None and report["latency"]["inputs"] == "generated"
    assert report["signature"]["outputs"] == [{"name": "logits", "type": "tensor(float)", "shape": ["N", 10]}]


def test_a_corrupt_file_cannot_run_and_says_why(reports, seeded_models):
    report = reports["TinyResNet", 2]
    assert report["verdict"] == "cannot_run"
    assert report["reason"].startswith("the file is not a valid ONNX model: ")
    assert report["file"]["size_bytes"] == (seeded_models["TinyResNet", 2].directory / "model.onnx").stat().st_size
    assert report["model"] is None and report["latency"] is None


def save(folder: Path, model: onnx.ModelProto, inputs=(), outputs=()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(folder / "model.onnx"))
    if inputs or outputs:
        data_set = folder / "test_data_set_0"
        data_set.mkdir()
        for kind, values in (("input", inputs), ("output", outputs)):
            for index, (name, array) in enumerate(values):
                (data_set / f"{kind}_{index}.pb").write_bytes(numpy_helper.from_array(array, name).SerializeToString())
    return folder


def relu_model(opset: int = 17, op: str = "Relu", domain: str = "") -> onnx.ModelProto:
    graph = helper.make_graph([helper.make_node(op, ["x"], ["y"], domain=domain)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    opsets = [helper.make_opsetid("", opset)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    return helper.make_model(graph, opset_imports=opsets)


X = np.array([[-1.0, 0.0, 2.0], [3.0, -4.0, 0.5]], dtype=np.float32)


def test_an_operator_onnxruntime_lacks_cannot_run(tmp_path):
    folder = save(tmp_path / "case", relu_model(op="Frobnicate", domain="com.example"))
    report = check_model(str(folder), QUICK)
    assert report["verdict"] == "cannot_run"
    assert "cannot load it" in report["reason"] and "Frobnicate" in report["reason"]
    assert report["checker"]["valid"] is True  # onnx's checker cannot know custom domains; onnxruntime can


def test_an_opset_older_than_onnxruntime_supports_is_explained(tmp_path):
    graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 6)])
    model.ir_version = 3
    report = check_model(str(save(tmp_path / "case", model)), QUICK)
    assert report["verdict"] == "cannot_run"
    assert "Add(6)" in report["reason"] and "the model is at opset 6" in report["reason"]


def test_a_wrong_shape_fails_and_a_test_data_set_that_cannot_run_is_reported(tmp_path):
    wrong_shape = save(tmp_path / "shape", relu_model(), [("x", X)], [("y", np.maximum(X, 0)[:1])])
    report = check_model(str(wrong_shape), QUICK)
    assert report["verdict"] == "fail" and "output y has shape [2, 3], expected [1, 3]" in report["reason"]
    wrong_input = save(tmp_path / "input", relu_model(), [("x", X[:, :2])], [("y", np.maximum(X, 0))])
    report = check_model(str(wrong_input), QUICK)
    assert report["verdict"] == "cannot_run" and report["reason"].startswith("test_data_set_0: onnxruntime failed")


def test_test_data_matched_by_position_when_unnamed(tmp_path):
    folder = save(tmp_path / "case", relu_model(), [("", X)], [("", np.maximum(X, 0))])
    report = check_model(str(folder), QUICK)
    assert report["verdict"] == "pass" and report["max_abs_err"] == 0.0


def test_no_model_file(tmp_path):
    (tmp_path / "empty").mkdir()
    report = check_model(str(tmp_path / "empty"), QUICK)
    assert report["verdict"] == "cannot_run" and "no model.onnx" in report["reason"]
    assert check_model(str(tmp_path / "missing"), QUICK)["verdict"] == "cannot_run"


def test_a_memory_failure_is_raised_for_the_runner_to_judge(tmp_path, monkeypatch):
    def no_memory(*_args, **_kwargs):
        raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Failed to allocate memory for requested "
                           "buffer of size 123")

    monkeypatch.setattr(checker_module, "open_session", no_memory)
    with pytest.raises(RuntimeError, match="Failed to allocate memory"):
        check_model(str(save(tmp_path / "case", relu_model())), QUICK)


def test_importing_the_package_imports_no_numpy_onnx_or_onnxruntime():
    code = ("import sys, bot.services.models, bot.services.models.check; "
            "print(sorted(m for m in ('numpy', 'onnx', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
