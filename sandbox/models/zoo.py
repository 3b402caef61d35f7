"""Writes a model-zoo style folder: `model.onnx` and `test_data_set_N/input_K.pb`, `output_K.pb` (TensorProto)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from onnx import numpy_helper

MODEL_FILE = "model.onnx"


def write_model(folder: Path, model_bytes: bytes) -> Path:
    """The model file of a case folder (created with its parents)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODEL_FILE
    path.write_bytes(model_bytes)
    return path


def write_test_data_set(folder: Path, index: int, inputs: Mapping[str, np.ndarray],
                        outputs: Mapping[str, np.ndarray], *, input_order: Sequence[str],
                        output_order: Sequence[str]) -> Path:
    """`test_data_set_<index>` with one named TensorProto per input and expected output, in graph order."""
    data_set = folder / f"test_data_set_{index}"
    data_set.mkdir(parents=True, exist_ok=True)
    for kind, values, order in (("input", inputs, input_order), ("output", outputs, output_order)):
        for position, name in enumerate(order):
            tensor = numpy_helper.from_array(values[name], name)
            (data_set / f"{kind}_{position}.pb").write_bytes(tensor.SerializeToString())
    return data_set
