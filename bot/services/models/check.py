"""The model checker on the command line: model-zoo case folders in, one verdict per case out.

    python -m bot.services.models.check PATH... [--json] [--atol A] [--rtol R] [--latency-runs N] [--threads N]
                                        [--isolated [--timeout S] [--memory-mib M]]

A PATH is a case folder (`model.onnx` + `test_data_set_*`), a `.onnx` file, or a folder of case folders (each
subfolder with a model). `--json` prints one JSON object per case: {"case", "verdict": "pass"|"fail"|"cannot_run"
(|"no_test_data" for a folder without test data), "reason", "max_abs_err", "max_rel_err"}; otherwise one line per
case. The counts go to stderr. Cases run in this process, one after another; `--isolated` runs each in its own
child process under a time and memory limit, as the bot does (slower: a process start and imports per case).
Exit code 0 when every case passes, 1 when any fails, 2 when none fails but some cannot run or have no test data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.services.models.casefolder import MODEL_FILE
from bot.services.models.checker import check_model

SUMMARY_KEYS = ("verdict", "reason", "max_abs_err", "max_rel_err")


def cases(paths: list[str]) -> Iterator[str]:
    """Each PATH, or the subfolders holding a model when PATH is a folder of cases."""
    for given in paths:
        path = Path(given)
        if path.is_dir() and not (path / MODEL_FILE).is_file() and not any(path.glob("*.onnx")):
            found = sorted(p for p in path.iterdir() if p.is_dir() and (p / MODEL_FILE).is_file())
            yield from (str(p) for p in found) if found else [given]
        else:
            yield given


def summary(case: str, report: dict[str, Any]) -> dict[str, Any]:
    """The line printed for one case."""
    return {"case": case, **{key: report.get(key) for key in SUMMARY_KEYS}}


def check_in_process(case: str, options: dict[str, Any]) -> dict[str, Any]:
    """check_model, with anything it raises (a memory failure) turned into a cannot_run line."""
    try:
        return check_model(case, options)
    except Exception as exc:  # noqa: BLE001  (one bad case must not stop the others)
        return {"verdict": "cannot_run", "reason": f"the check failed: {type(exc).__name__}: {exc}"}


async def check_isolated(case_list: list[str], options: dict[str, Any], timeout_s: float,
                         memory_mib: int | None) -> list[dict[str, Any]]:
    """Each case in its own child process, one at a time; an ending without a report is a cannot_run line."""
    from bot.isolation import IsolatedRunner, Limits, Ok

    memory = memory_mib * 2**20 if memory_mib else None
    runner = IsolatedRunner(max_jobs=1, limits=Limits(wall_s=timeout_s, rss_bytes=memory))
    reports = []
    try:
        for case in case_list:
            result = await runner.run(check_model, str(Path(case).resolve()), options)
            reports.append(result.value if isinstance(result, Ok)
                           else {"verdict": "cannot_run", "reason": f"the check {result.describe()}"})
    finally:
        await runner.close()
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.services.models.check",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument("--atol", type=float)
    parser.add_argument("--rtol", type=float)
    parser.add_argument("--latency-runs", type=int, default=0, help="timed runs per case (default 0: none)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--isolated", action="store_true", help="each case in a child process with limits")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case with --isolated")
    parser.add_argument("--memory-mib", type=int, default=2048, help="resident memory per case with --isolated")
    args = parser.parse_args(argv)

    options: dict[str, Any] = {"latency_runs": args.latency_runs, "intra_op_threads": args.threads}
    options.update({k: v for k, v in (("atol", args.atol), ("rtol", args.rtol)) if v is not None})
    case_list = list(cases(args.paths))
    if args.isolated:
        reports = asyncio.run(check_isolated(case_list, options, args.timeout, args.memory_mib))
    else:
        reports = (check_in_process(case, options) for case in case_list)
    counts: Counter[str] = Counter()
    for case, report in zip(case_list, reports, strict=True):
        line = summary(case, report)
        counts[line["verdict"]] += 1
        sys.stdout.write((json.dumps(line) if args.json else f"{line['verdict']:<12} {case}  {line['reason']}") + "\n")
        sys.stdout.flush()
    sys.stderr.write(f"{len(case_list)} cases: " + ", ".join(f"{counts[v]} {v}" for v in sorted(counts)) + "\n")
    if counts["fail"]:
        return 1
    return 0 if counts["pass"] == len(case_list) else 2


if __name__ == "__main__":
    sys.exit(main())
