"""Latency after warm-up: a fixed number of timed runs of the same inputs, p50/p95 and throughput."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from bot.services.models.options import CheckOptions


def measure(session: Any, feeds: Mapping[str, Any], options: CheckOptions, *, inputs: str) -> dict[str, Any]:
    """{inputs, batch, warmup_runs, runs, p50_ms, p95_ms, mean_ms, throughput_per_s}; `inputs` says where from."""
    for _ in range(options.warmup_runs):
        session.run(None, feeds)
    times: list[float] = []
    deadline = time.perf_counter() + options.latency_max_s
    for _ in range(options.latency_runs):
        started = time.perf_counter()
        session.run(None, feeds)
        ended = time.perf_counter()
        times.append(ended - started)
        if ended > deadline:
            break
    total = sum(times)
    return {
        "inputs": inputs,
        "batch": _batch(feeds),
        "warmup_runs": options.warmup_runs,
        "runs": len(times),
        "p50_ms": round(percentile(times, 0.50) * 1000, 3),
        "p95_ms": round(percentile(times, 0.95) * 1000, 3),
        "mean_ms": round(total / len(times) * 1000, 3),
        "throughput_per_s": round(len(times) * _batch(feeds) / total, 2) if total > 0 else None,
    }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def generated_feeds(session: Any) -> dict[str, Any]:
    """Seeded random inputs from the session's input types (symbolic dimensions become 1); ValueError if none fit."""
    import numpy as np

    rng = np.random.default_rng(0)
    feeds = {}
    for port in session.get_inputs():
        if not port.type.startswith("tensor("):
            raise ValueError(f"cannot make up a value of type {port.type} for input {port.name}")
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in port.shape]
        dtype = _NUMPY_TYPES.get(port.type[len("tensor("):-1])
        if dtype is None:
            raise ValueError(f"cannot make up a value of type {port.type} for input {port.name}")
        if np.dtype(dtype).kind == "f":
            feeds[port.name] = rng.standard_normal(shape).astype(dtype)
        elif np.dtype(dtype).kind == "b":
            feeds[port.name] = rng.integers(0, 2, shape).astype(dtype)
        else:
            feeds[port.name] = rng.integers(0, 4, shape).astype(dtype)
    return feeds


_NUMPY_TYPES = {"float": "float32", "double": "float64", "float16": "float16", "int64": "int64", "int32": "int32",
                "int16": "int16", "int8": "int8", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32",
                "uint64": "uint64", "bool": "bool"}


def _batch(feeds: Mapping[str, Any]) -> int:
    for value in feeds.values():
        shape = getattr(value, "shape", ())
        if len(shape) >= 1 and int(shape[0]) > 0:
            return int(shape[0])
    return 1
