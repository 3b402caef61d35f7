"""check_model: one model-zoo case checked with onnxruntime, everything JSON (it runs in an isolated child).

The report (every key always present; null where it could not be known):
    verdict        "pass" | "fail" | "no_test_data" | "cannot_run"
    reason         one sentence saying why
    file           {name, size_bytes, sha256}
    model          {ir_version, opsets: {domain: version}, producer, producer_name, producer_version, domain,
                    model_version, graph, parameters}
    checker        {valid, message, full_check}                     (onnx.checker on the file)
    signature      {inputs: [{name, type, shape}], outputs: [...]}  (types as onnxruntime spells them)
    tolerance      {atol, rtol, source: "default"|"options"|"tags", rule}
    test_data      [{name, passed, max_abs_err, max_rel_err, mismatched, elements, error, outputs: [...]}]
    max_abs_err, max_rel_err   the largest over every test data set
    latency        {inputs: "test_data_set_0"|"generated", batch, warmup_runs, runs, p50_ms, p95_ms, mean_ms,
                    throughput_per_s} or {error}
    runtime        {onnxruntime, onnx, execution_provider, intra_op_num_threads, inter_op_num_threads,
                    execution_mode, allow_spinning, graph_optimization_level}
    seconds        {load, session, test_data, latency, total}
A memory failure is raised, not reported, so that the isolation runner calls it out of memory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.isolation.verdict import shows_allocation_failure
from bot.services.models import casefolder, describe, rule
from bot.services.models.latency import generated_feeds, measure
from bot.services.models.options import CheckOptions
from bot.services.models.session import error_text, load_failure_hint, open_session, runtime_facts

REPORT_FORMAT = 1
RULE = "|expected - actual| <= atol + rtol * |expected|"


def check_model(directory: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Checks the case folder (or .onnx file) at `directory` under `options` (see options.CheckOptions)."""
    check = _Check(CheckOptions.from_json(options))
    try:
        check.run(Path(directory))
    finally:
        check.report["seconds"]["total"] = round(time.perf_counter() - check.started, 3)
    return check.report


class _Check:
    """One check's state: the report being filled in, and the clock."""

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self.started = time.perf_counter()
        self.report: dict[str, Any] = {
            "format": REPORT_FORMAT, "verdict": "cannot_run", "reason": "", "file": None, "model": None,
            "checker": None, "signature": None,
            "tolerance": {"atol": options.atol, "rtol": options.rtol, "source": options.tolerance_source,
                          "rule": RULE},
            "test_data": [], "max_abs_err": None, "max_rel_err": None, "latency": None,
            "runtime": runtime_facts(options), "seconds": {},
        }

    def run(self, path: Path) -> None:
        try:
            model_path = casefolder.model_file(path)
        except casefolder.CaseError as exc:
            return self.verdict("cannot_run", str(exc))
        folder = model_path.parent
        with self.timed("load"):
            self.report["file"] = describe.file_facts(model_path)
            try:
                inputs, outputs = self.describe(model_path)
            except Exception as exc:  # noqa: BLE001  (untrusted bytes: any parse failure is the verdict)
                _raise_if_out_of_memory(exc)
                return self.verdict("cannot_run", f"the file is not a valid ONNX model: {describe.short(str(exc))}")
            self.report["checker"] = describe.checker_result(model_path)
        with self.timed("session"):
            try:
                session = open_session(model_path, self.options)
            except Exception as exc:  # noqa: BLE001  (whatever onnxruntime refuses is the verdict)
                _raise_if_out_of_memory(exc)
                message = describe.short(error_text(exc))
                hint = load_failure_hint(message, self.report["model"]["opsets"])
                return self.verdict("cannot_run", f"onnxruntime {self.report['runtime']['onnxruntime']} cannot "
                                                  f"load it: {message}{hint}")
        self.report["runtime"] = runtime_facts(self.options, session)
        with self.timed("test_data"):
            first_feeds = self.test_data(session, folder, inputs, outputs)
        if self.options.latency_runs > 0:
            with self.timed("latency"):
                self.latency(session, first_feeds)
        del session, first_feeds
        return self.conclude()

    def describe(self, model_path: Path) -> tuple[list[casefolder.Port], list[casefolder.Port]]:
        """Model facts and signature from the file; the parsed model is dropped before anything else runs."""
        import onnx

        model = onnx.load(str(model_path), load_external_data=False)
        self.report["model"] = describe.model_facts(model)
        self.report["signature"] = describe.signature(model)
        return describe.ports(model)

    def test_data(self, session: Any, folder: Path, inputs: list, outputs: list) -> dict[str, Any] | None:
        """Runs every test data set in turn (one in memory at a time); the first one's inputs are kept for timing."""
        first_feeds = None
        for data_set in casefolder.data_sets(folder):
            result, feeds = self.one_data_set(session, data_set, inputs, outputs)
            self.report["test_data"].append(result)
            if first_feeds is None and feeds is not None:
                first_feeds = {"name": data_set.name, "feeds": feeds}
        return first_feeds

    def one_data_set(self, session: Any, data_set: Path, inputs: list, outputs: list) -> tuple[dict, dict | None]:
        result: dict[str, Any] = {"name": data_set.name, "passed": None, "max_abs_err": None, "max_rel_err": None,
                                  "mismatched": None, "elements": None, "error": None, "outputs": []}
        try:
            feeds = casefolder.load_values(casefolder.files_of(data_set, "input"), inputs)
            expected = casefolder.load_values(casefolder.files_of(data_set, "output"), outputs)
        except Exception as exc:  # noqa: BLE001  (unreadable test data is reported, not raised)
            _raise_if_out_of_memory(exc)
            result["error"] = f"cannot read it: {describe.short(str(exc))}"
            return result, None
        try:
            names = list(expected)
            actual = dict(zip(names, session.run(names or None, feeds), strict=False)) if names else {}
        except Exception as exc:  # noqa: BLE001  (a run onnxruntime refuses is reported)
            _raise_if_out_of_memory(exc)
            result["error"] = f"onnxruntime failed on it: {describe.short(error_text(exc))}"
            return result, None
        compared = [rule.compare_output(name, expected[name], actual[name], self.options.atol, self.options.rtol)
                    for name in names]
        result.update(
            outputs=compared, passed=all(c["passed"] for c in compared),
            mismatched=sum(c["mismatched"] for c in compared), elements=sum(c["elements"] for c in compared),
            max_abs_err=_largest(c["max_abs_err"] for c in compared),
            max_rel_err=_largest(c["max_rel_err"] for c in compared))
        return result, feeds

    def latency(self, session: Any, first_feeds: dict[str, Any] | None) -> None:
        try:
            if first_feeds is not None:
                feeds, source = first_feeds["feeds"], first_feeds["name"]
            else:
                feeds, source = generated_feeds(session), "generated"
            self.report["latency"] = measure(session, feeds, self.options, inputs=source)
        except Exception as exc:  # noqa: BLE001  (timing is extra: its failure is reported beside the verdict)
            _raise_if_out_of_memory(exc)
            self.report["latency"] = {"error": describe.short(error_text(exc))}

    def conclude(self) -> None:
        sets = self.report["test_data"]
        self.report["max_abs_err"] = _largest(s["max_abs_err"] for s in sets)
        self.report["max_rel_err"] = _largest(s["max_rel_err"] for s in sets)
        failed = [s for s in sets if s["passed"] is False]
        broken = [s for s in sets if s["error"]]
        if failed:
            return self.verdict("fail", "; ".join(self.failure(s) for s in failed))
        if broken:
            return self.verdict("cannot_run", "; ".join(f"{s['name']}: {s['error']}" for s in broken))
        if not sets:
            return self.verdict("no_test_data", "no test_data_set_* folder beside the model: it loads and runs, "
                                                "but nothing says what it should answer")
        errors = f" (max abs err {_number(self.report['max_abs_err'])})" if self.report["max_abs_err"] else ""
        return self.verdict("pass", f"{len(sets)} test data set{'s' if len(sets) > 1 else ''} within "
                                    f"{self.rule_text()}{errors}")

    def failure(self, data_set: dict[str, Any]) -> str:
        parts = []
        for output in data_set["outputs"]:
            if output["passed"]:
                continue
            if output["problem"]:
                parts.append(f"output {output['name']} has {output['problem']}")
            else:
                parts.append(f"{output['mismatched']} of {output['elements']} values of {output['name']} outside "
                             f"{self.rule_text()} (max abs err {_number(output['max_abs_err'])}, max rel err "
                             f"{_number(output['max_rel_err'])})")
        return f"{data_set['name']}: " + ", ".join(parts)

    def rule_text(self) -> str:
        return f"|exp - act| <= {self.options.atol:g} + {self.options.rtol:g}*|exp|"

    def verdict(self, verdict: str, reason: str) -> None:
        self.report["verdict"], self.report["reason"] = verdict, reason

    def timed(self, name: str) -> _Timer:
        return _Timer(self.report["seconds"], name)


class _Timer:
    """Adds the time spent in a `with` block to seconds[name]."""

    def __init__(self, seconds: dict[str, float], name: str) -> None:
        self.seconds, self.name = seconds, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc_info: object) -> None:
        self.seconds[self.name] = round(time.perf_counter() - self.started, 3)


def _raise_if_out_of_memory(exc: BaseException) -> None:
    """A memory failure is the isolation runner's verdict to give (OutOfMemory), never a model's verdict."""
    if isinstance(exc, MemoryError) or shows_allocation_failure(str(exc)):
        raise exc


def _largest(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"
