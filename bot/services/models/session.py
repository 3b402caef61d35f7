"""An onnxruntime CPU session with fixed, reported thread settings (steady timings on a shared machine)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.services.models.options import CheckOptions

PROVIDER = "CPUExecutionProvider"
ERROR_PREFIX = "[ONNXRuntimeError] : "
OLDEST_OPSET = 7  # onnxruntime has no kernels for operator versions of older opsets
MISSING_KERNEL = re.compile(r"Could not find an implementation for \w+\(\d+\)")


def open_session(path: Path, options: CheckOptions) -> Any:
    """A session on the file: intra/inter-op threads fixed, ORT_SEQUENTIAL, no spinning, only errors logged."""
    import onnxruntime as ort

    settings = ort.SessionOptions()
    settings.intra_op_num_threads = options.intra_op_threads
    settings.inter_op_num_threads = options.inter_op_threads
    settings.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    settings.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    settings.add_session_config_entry("session.intra_op.allow_spinning", "0")
    settings.add_session_config_entry("session.inter_op.allow_spinning", "0")
    settings.log_severity_level = 4  # errors come back as exceptions (the report says them); keep stderr quiet
    return ort.InferenceSession(str(path), sess_options=settings, providers=[PROVIDER])


def runtime_facts(options: CheckOptions, session: Any = None) -> dict[str, Any]:
    """{onnxruntime, onnx, execution_provider, intra_op_num_threads, inter_op_num_threads, execution_mode, ...}."""
    import onnx
    import onnxruntime as ort

    providers = session.get_providers() if session is not None else [PROVIDER]
    return {
        "onnxruntime": ort.__version__,
        "onnx": onnx.__version__,
        "execution_provider": providers[0],
        "intra_op_num_threads": options.intra_op_threads,
        "inter_op_num_threads": options.inter_op_threads,
        "execution_mode": "ORT_SEQUENTIAL",
        "allow_spinning": False,
        "graph_optimization_level": "ORT_ENABLE_ALL",
    }


def error_text(exc: BaseException) -> str:
    """onnxruntime's message without its bracketed prefix: 'NOT_IMPLEMENTED : Could not find ...'."""
    text = str(exc).strip()
    if text.startswith(ERROR_PREFIX):
        text = text[len(ERROR_PREFIX):]
        code, sep, rest = text.partition(" : ")
        if sep and code.isdigit():
            text = rest
    return text


def load_failure_hint(message: str, opsets: dict[str, int] | None) -> str:
    """Why onnxruntime lacks an operator, when the model says it: its opset is older than onnxruntime supports."""
    opset = (opsets or {}).get("ai.onnx")
    if opset is not None and opset < OLDEST_OPSET and MISSING_KERNEL.search(message):
        return (f" (the model is at opset {opset}; onnxruntime implements operators from opset {OLDEST_OPSET} on: "
                "convert it with onnx.version_converter)")
    return ""
