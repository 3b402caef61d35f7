"""What can be said of a model file without running it: size and sha256, the graph's facts, onnx.checker, signature."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from bot.services.models.casefolder import Port

MESSAGE_LIMIT = 500


def file_facts(path: Path) -> dict[str, Any]:
    """{name, size_bytes, sha256}, reading the file through one reused 1 MiB buffer (no heap left behind)."""
    digest = hashlib.sha256()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    size = 0
    with path.open("rb", buffering=0) as stream:
        while read := stream.readinto(buffer):
            digest.update(view[:read])
            size += read
    return {"name": path.name, "size_bytes": size, "sha256": digest.hexdigest()}


def model_facts(model: Any) -> dict[str, Any]:
    """{ir_version, opsets, producer, producer_name, producer_version, domain, model_version, graph, parameters}."""
    producer = " ".join(part for part in (model.producer_name, model.producer_version) if part)
    return {
        "ir_version": int(model.ir_version),
        "opsets": {(o.domain or "ai.onnx"): int(o.version) for o in model.opset_import},
        "producer": producer or None,
        "producer_name": model.producer_name or None,
        "producer_version": model.producer_version or None,
        "domain": model.domain or None,
        "model_version": int(model.model_version),
        "graph": model.graph.name or None,
        "parameters": sum(_elements(t.dims) for t in model.graph.initializer),
    }


def signature(model: Any) -> dict[str, list[dict[str, Any]]]:
    """The graph's inputs (initializers left out) and outputs: [{name, type, shape}] with onnxruntime's type names."""
    initializers = {t.name for t in model.graph.initializer}
    return {
        "inputs": [_port(v) for v in model.graph.input if v.name not in initializers],
        "outputs": [_port(v) for v in model.graph.output],
    }


def ports(model: Any) -> tuple[list[Port], list[Port]]:
    """The inputs (initializers left out) and outputs with the kind of value each takes."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = [Port(v.name, _kind(v.type)) for v in model.graph.input if v.name not in initializers]
    return inputs, [Port(v.name, _kind(v.type)) for v in model.graph.output]


def checker_result(path: Path) -> dict[str, Any]:
    """onnx.checker on the file (external data included): {valid, message, full_check}."""
    import onnx

    try:
        onnx.checker.check_model(str(path), full_check=False)
    except onnx.checker.ValidationError as exc:
        return {"valid": False, "message": short(str(exc)), "full_check": False}
    return {"valid": True, "message": None, "full_check": False}


def short(text: str) -> str:
    """A message cut to a size a card and a log can hold, first lines first."""
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def _port(value: Any) -> dict[str, Any]:
    return {"name": value.name, "type": type_name(value.type), "shape": _shape(value.type)}


def type_name(proto: Any) -> str:
    """onnxruntime's spelling of a type: tensor(float), seq(tensor(int64)), optional(...), map(string,tensor(...))."""
    from onnx import TensorProto

    kind = proto.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        element = TensorProto.DataType.Name(proto.tensor_type.elem_type if kind == "tensor_type"
                                            else proto.sparse_tensor_type.elem_type).lower()
        return f"{'sparse_tensor' if kind == 'sparse_tensor_type' else 'tensor'}({element})"
    if kind == "sequence_type":
        return f"seq({type_name(proto.sequence_type.elem_type)})"
    if kind == "optional_type":
        return f"optional({type_name(proto.optional_type.elem_type)})"
    if kind == "map_type":
        key = TensorProto.DataType.Name(proto.map_type.key_type).lower()
        return f"map({key},{type_name(proto.map_type.value_type)})"
    return kind or "unknown"


def _shape(proto: Any) -> list[int | str | None] | None:
    if proto.WhichOneof("value") != "tensor_type" or not proto.tensor_type.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in proto.tensor_type.shape.dim]


def _kind(proto: Any) -> str:
    return (proto.WhichOneof("value") or "unknown").removesuffix("_type")


def _elements(dims: Any) -> int:
    count = 1
    for d in dims:
        count *= int(d)
    return count
