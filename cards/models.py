"""Registered models and their onnxruntime checks as cards: the list (newest version of each, its verdict and
latency, a page at a time) and one version in detail (file, signature, test data, latency, what changed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.azureml.model import ModelVersion, RegisteredModel
from cards import verbs
from cards.common import Card, Element, card, container, escape, execute, facts, heading, next_step, text
from cards.connections import ago

PAGE = 8
VERDICTS = {
    "pass": ("✅", "passes its test data"),
    "fail": ("❌", "fails its test data"),
    "no_test_data": ("➖", "no test data"),
    "cannot_run": ("⚠️", "cannot run"),
    "checking": ("⏳", "checking…"),
    "not_checked": ("❔", "not checked yet"),
}


@dataclass(frozen=True)
class ModelRow:
    model: RegisteredModel
    result: dict[str, Any] | None  # the check's report, when known
    checking: bool = False


def verdict_of(result: dict[str, Any] | None, checking: bool = False) -> str:
    if result is None:
        return "checking" if checking else "not_checked"
    return str(result.get("verdict") or "cannot_run")


def verdict_words(result: dict[str, Any] | None, checking: bool = False) -> str:
    symbol, words = VERDICTS.get(verdict_of(result, checking), VERDICTS["cannot_run"])
    return f"{symbol} {words}"


def _ms(value: Any) -> str:
    return f"{value:.1f} ms" if isinstance(value, int | float) else "-"


def _p50(result: dict[str, Any] | None) -> str:
    latency = (result or {}).get("latency") or {}
    return f"p50 {_ms(latency['p50_ms'])}" if isinstance(latency.get("p50_ms"), int | float) else ""


def _registered(version: ModelVersion, now: datetime) -> str:
    who = version.created_by or "someone"
    return f"registered by {who}" + (f" {ago(version.created_at, now)}" if version.created_at else "")


def _sentence(value: str) -> str:
    return value[:1].upper() + value[1:]


def _tags(tags: dict[str, str], limit: int = 4) -> str:
    shown = [f"{k}={v}" for k, v in sorted(tags.items())[:limit]]
    return ", ".join(shown) + (" …" if len(tags) > limit else "")


def models_card(workspace: str, rows: Sequence[ModelRow], *, now: datetime, page: int = 0) -> Card:
    pages = max(1, -(-len(rows) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = rows[page * PAGE:(page + 1) * PAGE]
    checking = sum(1 for r in rows if r.checking)
    subtitle = f"{len(rows)} registered model(s) in workspace {workspace}" + (
        f", page {page + 1} of {pages}" if pages > 1 else "") + "."
    if checking:
        subtitle += f" Checking {checking} with onnxruntime: this card updates itself."
    body: list[Element] = heading("Models", subtle=subtitle)
    if not rows:
        body.append(next_step("Register a model in Azure ML studio (Models → Register), or from a pipeline, then "
                              "type models again."))
    for row in shown:
        latest = row.model.latest
        line = f"**{escape(row.model.name)}** · version {escape(latest.version)} · " \
               f"{verdict_words(row.result, row.checking)}"
        p50 = _p50(row.result)
        details = [_registered(latest, now)] + ([p50] if p50 else []) + (
            [f"tags: {_tags(latest.tags)}"] if latest.tags else [])
        block = container([text(line, spacing="None"), text(escape(" · ".join(details)), isSubtle=True,
                                                             size="Small", spacing="None")], separator=True)
        block["selectAction"] = execute(f"{row.model.name} version {latest.version}", verbs.MODEL_SHOW,
                                        {"name": row.model.name, "version": latest.version})
        body.append(block)
    actions: list[Element] = []
    if page > 0:
        actions.append(execute("Back", verbs.MODELS_MORE, {"page": page - 1}))
    if page < pages - 1:
        actions.append(execute("More", verbs.MODELS_MORE, {"page": page + 1}))
    actions += [execute(f"Open {r.model.name}", verbs.MODEL_SHOW, {"name": r.model.name,
                                                                    "version": r.model.latest.version})
                for r in shown[:3]]
    return card(body, actions[:6], fallback=f"Models: {len(rows)} registered in {workspace}.")


# ---- one version ------------------------------------------------------------------------------------------------
def _signature_lines(signature: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not signature:
        return []
    pairs = []
    for kind in ("inputs", "outputs"):
        for port in signature.get(kind) or []:
            shape = "×".join(str(d) for d in port.get("shape") or []) or "?"
            pairs.append((f"{kind[:-1]} {port.get('name', '')}", f"{port.get('type', '')} [{shape}]"))
    return pairs


def _test_data_block(result: dict[str, Any]) -> list[Element]:
    tolerance = result.get("tolerance") or {}
    rows: list[Element] = [text(f"**Test data** (onnxruntime's rule {tolerance.get('rule', '')}, atol "
                                f"{tolerance.get('atol')}, rtol {tolerance.get('rtol')}, from "
                                f"{tolerance.get('source', 'default')})", separator=True)]
    for data_set in result.get("test_data") or []:
        if data_set.get("error"):
            rows.append(text(f"⚠️ {data_set.get('name')}: {data_set['error']}", size="Small", spacing="None"))
            continue
        symbol = "✅" if data_set.get("passed") else "❌"
        rows.append(text(f"{symbol} {data_set.get('name')}: max abs error {_num(data_set.get('max_abs_err'))}, "
                         f"max rel error {_num(data_set.get('max_rel_err'))}, {data_set.get('mismatched', 0)} of "
                         f"{data_set.get('elements', 0)} elements outside", size="Small", spacing="None"))
    if len(rows) == 1:
        rows.append(text("No test data with this version (test_data_set_N/input_K.pb, output_K.pb).",
                         size="Small", spacing="None"))
    return rows


def _num(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, int | float) else "-"


def _latency_facts(result: dict[str, Any]) -> list[tuple[str, str]]:
    latency, runtime = result.get("latency") or {}, result.get("runtime") or {}
    if latency.get("error"):
        return [("Latency", f"not measured: {latency['error']}")]
    if not latency:
        return []
    return [("Latency", f"p50 {_ms(latency.get('p50_ms'))}, p95 {_ms(latency.get('p95_ms'))}, "
                        f"{_num(latency.get('throughput_per_s'))} runs/s ({latency.get('runs')} runs after "
                        f"{latency.get('warmup_runs')} warm-up, batch {latency.get('batch')})"),
            ("Runtime", f"onnxruntime {runtime.get('onnxruntime')}, {runtime.get('execution_provider')}, "
                        f"{runtime.get('intra_op_num_threads')} intra-op / {runtime.get('inter_op_num_threads')} "
                        f"inter-op thread(s), {runtime.get('execution_mode')}")]


def _comparison_block(previous: ModelVersion, changes: dict[str, Any]) -> list[Element]:
    verdict, latency, signature = changes["verdict"], changes["latency"], changes["signature"]
    lines = []
    if verdict["changed"]:
        mark = "🔻" if verdict["regressed"] else "🔺" if verdict["improved"] else "•"
        lines.append(f"{mark} verdict: {verdict['previous']} → {verdict['current']}")
    else:
        lines.append(f"• verdict unchanged ({verdict['current']})")
    change = latency.get("p50_change_percent")
    if change is not None:
        note = "" if latency.get("comparable") else " (not comparable: other runtime settings)"
        mark = "🔻" if latency.get("notable") and change > 0 else "🔺" if latency.get("notable") else "•"
        lines.append(f"{mark} latency p50 {change:+.1f}%{note}")
    lines.append("🔻 signature changed" if signature.get("changed") else "• signature unchanged")
    if changes.get("same_file"):
        lines.append("• the same file as the previous version")
    return [text(f"**Against version {escape(previous.version)}**", separator=True),
            *(text(line, size="Small", spacing="None") for line in lines)]


def model_card(version: ModelVersion, result: dict[str, Any] | None, *, now: datetime, checking: bool = False,
               previous: ModelVersion | None = None, changes: dict[str, Any] | None = None) -> Card:
    title = f"{version.name} · version {version.version}"
    subtitle = f"{verdict_words(result, checking)}" + (f": {result['reason']}" if result and result.get("reason")
                                                       else "") + f". {_sentence(_registered(version, now))}."
    body: list[Element] = heading(title, subtle=subtitle)
    if version.description:
        body.append(text(escape(version.description), size="Small"))
    if result is None:
        body.append(text("The check runs in its own process with onnxruntime; this card updates itself when it is "
                         "done." if checking else "Not checked yet.", isSubtle=True))
    else:
        file = result.get("file") or {}
        model = result.get("model") or {}
        checker = result.get("checker") or {}
        opsets = ", ".join(f"{d or 'ai.onnx'} {v}" for d, v in sorted((model.get("opsets") or {}).items()))
        body.append(facts([
            ("File", f"{file.get('name', 'model.onnx')}, {_size(file.get('size_bytes'))}"),
            ("IR version, opsets", f"{model.get('ir_version', '-')}; {opsets or '-'}"),
            ("Producer", " ".join(str(p) for p in (model.get("producer_name"), model.get("producer_version")) if p)
             or "-"),
            ("onnx.checker", "valid" if checker.get("valid") else f"not valid: {checker.get('message', '')}"[:300]
             if checker else "-"),
            *_signature_lines(result.get("signature")),
        ]))
        # long values as wrapping text (a FactSet value does not wrap in every client)
        body.append(text(f"sha256 {file.get('sha256') or result.get('sha256') or '-'}", size="Small", isSubtle=True))
        body.extend(text(f"**{label}:** {value}", size="Small", spacing="Small") for label, value in
                    _latency_facts(result))
        body.extend(_test_data_block(result))
    if previous is not None and changes is not None:
        body.extend(_comparison_block(previous, changes))
    actions = [execute("All models", verbs.MODELS_MORE, {"page": 0})]
    if previous is not None:
        actions.insert(0, execute(f"Version {previous.version}", verbs.MODEL_SHOW,
                                  {"name": version.name, "version": previous.version}))
    return card(body, actions, fallback=f"{title}: {verdict_words(result, checking)}")


def _size(value: Any) -> str:
    if not isinstance(value, int | float):
        return "-"
    return f"{value / 1_000_000:.1f} MB" if value >= 100_000 else f"{value / 1000:.1f} KB"
