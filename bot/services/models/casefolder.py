"""A model-zoo style case folder: its model file and its `test_data_set_N/input_K.pb`, `output_K.pb` files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_FILE = "model.onnx"
DATA_SET = re.compile(r"^test_data_set_(\d+)$")
PROTO_FILE = re.compile(r"^(input|output)_(\d+)\.pb$")


@dataclass(frozen=True)
class Port:
    """A graph input or output: its name and its ONNX type kind ("tensor", "sequence", "optional", "map", ...)."""

    name: str
    kind: str


class CaseError(Exception):
    """The folder is not a case the checker can read (no model file, ...)."""


def model_file(path: Path) -> Path:
    """The case's model: `path` itself when it is a file, else `model.onnx`, else the folder's only `.onnx` file."""
    if path.is_file():
        return path
    if not path.is_dir():
        raise CaseError(f"no such file or folder: {path}")
    if (path / MODEL_FILE).is_file():
        return path / MODEL_FILE
    candidates = sorted(path.glob("*.onnx"))
    if len(candidates) == 1:
        return candidates[0]
    raise CaseError(f"no {MODEL_FILE} in {path}" if not candidates else f"several .onnx files in {path}")


def data_sets(folder: Path) -> list[Path]:
    """The case's `test_data_set_N` folders in order of N."""
    found = [(int(m.group(1)), p) for p in folder.iterdir() if p.is_dir() and (m := DATA_SET.match(p.name))]
    return [p for _, p in sorted(found)]


def files_of(data_set: Path, kind: str) -> list[Path]:
    """`input_K.pb` or `output_K.pb` files of one data set, in order of K."""
    found = [(int(m.group(2)), p) for p in data_set.iterdir() if (m := PROTO_FILE.match(p.name)) and
             m.group(1) == kind]
    return [p for _, p in sorted(found)]


def load_values(files: Sequence[Path], ports: Sequence[Port]) -> dict[str, Any]:
    """Values by port name: a file's own name when it names a port, else the port at its position."""
    by_name = {port.name: port for port in ports}
    values: dict[str, Any] = {}
    for position, path in enumerate(files):
        name, value = _load(path, ports, by_name, position)
        values[name] = value
    return values


def _load(path: Path, ports: Sequence[Port], by_name: dict[str, Port], position: int) -> tuple[str, Any]:
    """The value of one file; the port at its position says what kind of proto it holds (as onnx's runner)."""
    import onnx
    from onnx import numpy_helper

    if position >= len(ports):
        raise CaseError(f"{path.name}: the model has only {len(ports)} such values")
    kind = ports[position].kind
    data = path.read_bytes()
    if kind == "sequence":
        proto = onnx.SequenceProto()
        proto.ParseFromString(data)
        value = numpy_helper.to_list(proto)
    elif kind == "optional":
        proto = onnx.OptionalProto()
        proto.ParseFromString(data)
        value = numpy_helper.to_optional(proto)
    elif kind == "tensor":
        proto = onnx.TensorProto()
        proto.ParseFromString(data)
        value = numpy_helper.to_array(proto)
    else:
        raise CaseError(f"{path.name}: {kind} values are not supported")
    name = proto.name if proto.name in by_name else ports[position].name
    return name, value
