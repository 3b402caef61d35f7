"""compare: what changed between the reports of two versions of a model (pure; for the detail card's call-outs)."""

from __future__ import annotations

from typing import Any

# From best to worst: a change towards the end is a regression.
VERDICT_ORDER = ("pass", "no_test_data", "fail", "cannot_run")
LATENCY_NOTABLE_PERCENT = 10.0
_TIMING_SETTINGS = ("execution_provider", "intra_op_num_threads", "inter_op_num_threads", "onnxruntime")


def compare(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """{verdict, latency, signature, same_file, notable}: `notable` lists the parts a card should call out."""
    verdict = _verdict(previous.get("verdict"), current.get("verdict"))
    latency = _latency(previous, current)
    signature = _signature(previous.get("signature"), current.get("signature"))
    notable = [name for name, flag in (("verdict", verdict["changed"]), ("latency", latency["notable"]),
                                       ("signature", signature["changed"])) if flag]
    return {"verdict": verdict, "latency": latency, "signature": signature,
            "same_file": _sha(previous) is not None and _sha(previous) == _sha(current), "notable": notable}


def _verdict(before: str | None, after: str | None) -> dict[str, Any]:
    rank = {name: index for index, name in enumerate(VERDICT_ORDER)}
    regressed = before in rank and after in rank and rank[after] > rank[before]
    improved = before in rank and after in rank and rank[after] < rank[before]
    return {"previous": before, "current": after, "changed": before != after, "regressed": regressed,
            "improved": improved}


def _latency(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    before, after = previous.get("latency") or {}, current.get("latency") or {}
    found: dict[str, Any] = {"previous_p50_ms": before.get("p50_ms"), "current_p50_ms": after.get("p50_ms"),
                             "previous_p95_ms": before.get("p95_ms"), "current_p95_ms": after.get("p95_ms"),
                             "p50_change_percent": _percent(before.get("p50_ms"), after.get("p50_ms")),
                             "p95_change_percent": _percent(before.get("p95_ms"), after.get("p95_ms")),
                             "comparable": _same_settings(previous, current), "notable": False}
    change = found["p50_change_percent"]
    found["notable"] = change is not None and abs(change) >= LATENCY_NOTABLE_PERCENT
    return found


def _same_settings(previous: dict[str, Any], current: dict[str, Any]) -> bool:
    """Timings compare only under the same provider, threads, onnxruntime and batch."""
    before, after = previous.get("runtime") or {}, current.get("runtime") or {}
    same_runtime = all(before.get(key) == after.get(key) for key in _TIMING_SETTINGS)
    return same_runtime and (previous.get("latency") or {}).get("batch") == (current.get("latency") or {}).get("batch")


def _percent(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before <= 0:
        return None
    return round((after - before) / before * 100, 1)


def _signature(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    if before is None or after is None:
        return {"changed": False, "known": False, "inputs": _ports_change([], []), "outputs": _ports_change([], [])}
    inputs = _ports_change(before.get("inputs", []), after.get("inputs", []))
    outputs = _ports_change(before.get("outputs", []), after.get("outputs", []))
    changed = any(part[key] for part in (inputs, outputs) for key in ("added", "removed", "changed"))
    return {"changed": changed, "known": True, "inputs": inputs, "outputs": outputs}


def _ports_change(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Ports added, removed (by name) and changed ({name, previous, current} with type and shape)."""
    old = {p["name"]: p for p in before}
    new = {p["name"]: p for p in after}
    changed = [{"name": name, "previous": _type_and_shape(old[name]), "current": _type_and_shape(new[name])}
               for name in old.keys() & new.keys() if _type_and_shape(old[name]) != _type_and_shape(new[name])]
    return {"added": [n for n in new if n not in old], "removed": [n for n in old if n not in new],
            "changed": sorted(changed, key=lambda c: c["name"])}


def _type_and_shape(port: dict[str, Any]) -> dict[str, Any]:
    return {"type": port.get("type"), "shape": port.get("shape")}


def _sha(report: dict[str, Any]) -> str | None:
    return (report.get("file") or {}).get("sha256")
