"""`python -m bot.services.models.check` over a suite no one here wrote (the onnx wheel's backend cases) and ours.

Every case of onnx/backend/test/data/{simple,pytorch-converted,pytorch-operator} must pass or be listed below with
the reason it cannot run; a case that fails, or cannot run for an unlisted reason, fails the test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import onnx
import pytest
from onnx import version_converter

from bot.services.models import check_model
from bot.services.models.check import main

ROOT = Path(__file__).resolve().parents[2]
BACKEND_DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
SUITES = ("simple", "pytorch-converted", "pytorch-operator")

OPSET_6 = r"NOT_IMPLEMENTED : Could not find an implementation for \w+\([16]\) .*\(the model is at opset 6;"
# Cases that cannot run, and why (the reason must match). A listed case may pass where its cause is absent.
EXPLAINED = {
    **{case: (OPSET_6, "operator versions of opset 6; onnxruntime implements opset 7 and later") for case in (
        "test_AvgPool1d", "test_AvgPool1d_stride", "test_AvgPool2d", "test_AvgPool2d_stride", "test_AvgPool3d",
        "test_AvgPool3d_stride", "test_AvgPool3d_stride1_pad0_gpu_input", "test_BatchNorm1d_3d_input_eval",
        "test_BatchNorm2d_eval", "test_BatchNorm2d_momentum_eval", "test_BatchNorm3d_eval",
        "test_BatchNorm3d_momentum_eval", "test_GLU", "test_GLU_dim", "test_Linear", "test_PReLU_1d",
        "test_PReLU_1d_multiparam", "test_PReLU_2d", "test_PReLU_2d_multiparam", "test_PReLU_3d",
        "test_PReLU_3d_multiparam", "test_PoissonNLLLLoss_no_reduce", "test_Softsign", "test_operator_add_broadcast",
        "test_operator_add_size1_broadcast", "test_operator_add_size1_right_broadcast",
        "test_operator_add_size1_singleton_broadcast", "test_operator_addconstant", "test_operator_addmm",
        "test_operator_basic", "test_operator_mm", "test_operator_non_float_params", "test_operator_params",
        "test_operator_pow")},
    **{case: (r"ai\.onnx\.preview\.training:Gradient\(-1\) is not a registered function/op",
              "a training operator; onnxruntime's inference package has none")
       for case in ("test_gradient_of_add", "test_gradient_of_add_and_mul")},
    **{case: (r"Failed to construct locale with name:en_US\.UTF-8",
              "StringNormalizer needs the en_US.UTF-8 locale, which this machine does not have")
       for case in ("test_strnorm_model_monday_casesensintive_lower", "test_strnorm_model_monday_casesensintive_upper",
                    "test_strnorm_model_monday_empty_output",
                    "test_strnorm_model_monday_insensintive_upper_twodim")},
}
# PRelu-6 slopes of shape [C] broadcast per channel; PRelu-7 broadcasts numpy-style, which the converter leaves as is.
NOT_FIXED_BY_CONVERSION = {"test_PReLU_1d_multiparam", "test_PReLU_2d_multiparam", "test_PReLU_3d_multiparam"}


@pytest.fixture(scope="module")
def backend_lines() -> list[dict]:
    """The CLI run once over the three suites, as a user would run it."""
    command = [sys.executable, "-m", "bot.services.models.check", *(str(BACKEND_DATA / s) for s in SUITES), "--json"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode in (0, 2), result.stdout + result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.stderr.strip().endswith(f"{len(lines)} cases: " + ", ".join(
        f"{n} {v}" for v, n in sorted(Counter(line["verdict"] for line in lines).items()))), result.stderr
    return lines


def test_every_backend_case_passes_or_is_explained(backend_lines, capsys):
    folders = {p.name for s in SUITES for p in (BACKEND_DATA / s).iterdir() if (p / "model.onnx").is_file()}
    assert {Path(line["case"]).name for line in backend_lines} == folders and len(backend_lines) == len(folders)
    unexplained = []
    for line in backend_lines:
        assert set(line) == {"case", "verdict", "reason", "max_abs_err", "max_rel_err"}
        name = Path(line["case"]).name
        if line["verdict"] == "pass":
            continue
        pattern, _why = EXPLAINED.get(name, (None, None))
        if line["verdict"] != "cannot_run" or pattern is None or not re.search(pattern, line["reason"]):
            unexplained.append(line)
    counts = Counter(line["verdict"] for line in backend_lines)
    with capsys.disabled():
        print(f"\nonnx {onnx.__version__} backend cases ({', '.join(SUITES)}): {len(backend_lines)} cases, "
              + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
    assert unexplained == []
    assert counts["fail"] == 0


def test_the_opset_6_explanation_holds_converted_to_opset_7_they_pass(backend_lines, tmp_path):
    opset_6 = [Path(line["case"]) for line in backend_lines if line["verdict"] == "cannot_run"
               and re.search(OPSET_6, line["reason"])]
    assert len(opset_6) == sum(1 for pattern, _ in EXPLAINED.values() if pattern == OPSET_6)
    verdicts = {}
    for case in opset_6:
        converted = tmp_path / case.name
        shutil.copytree(case, converted)
        model = version_converter.convert_version(onnx.load(str(case / "model.onnx")), 7)
        onnx.save(model, str(converted / "model.onnx"))
        verdicts[case.name] = check_model(str(converted), {"latency_runs": 0})["verdict"]
    assert {name for name, verdict in verdicts.items() if verdict != "pass"} == NOT_FIXED_BY_CONVERSION


def test_the_cli_over_the_seeded_models(seeded_models, capsys):
    cases = [str(seeded_models[key].directory) for key in (("TinyYOLO", 1), ("TinyYOLO", 3), ("TinyResNet", 2))]
    assert main([*cases, "--json"]) == 1  # one fails
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["case"], line["verdict"]) for line in lines] == list(zip(cases, ["pass", "fail", "cannot_run"],
                                                                            strict=True))
    assert lines[1]["max_abs_err"] > 1e-3 and lines[2]["max_abs_err"] is None
    assert main([cases[0]]) == 0
    assert capsys.readouterr().out.startswith(f"pass         {cases[0]}  1 test data set within")
    assert main([str(seeded_models["TinyResNet", 1].directory), "--json"]) == 2


def test_the_cli_can_isolate_each_case(seeded_models, capsys):
    cases = [str(seeded_models["TinyYOLO", 2].directory), str(seeded_models["TinyResNet", 2].directory)]
    assert main([*cases, "--json", "--isolated", "--timeout", "120", "--memory-mib", "1024"]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["verdict"] for line in lines] == ["pass", "cannot_run"]
    assert main([cases[0], "--json", "--isolated", "--memory-mib", "100"]) == 2
    (line,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert line["verdict"] == "cannot_run" and line["reason"] == "the check needed more memory than its 100 MiB limit"
