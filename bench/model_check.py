"""The model checker's cost on TinyYOLO next to a bare onnxruntime loop over the same inputs and thread settings.

    python -m bench.model_check [--runs 50] [--warmup 3] [--threads 1] [--rounds 3] [--no-isolated]

Both sides use the seeded TinyYOLO 1 (sandbox.models; built first on a cold cache), its test data set's image,
the same session settings (intra-op threads `--threads`, one inter-op thread, ORT_SEQUENTIAL, no spinning) and the
same number of warm-up and timed runs. The bare loop is: create the session, run the test image once, warm up, time
the runs. The checker is check_model, which also hashes the file, parses it, runs onnx.checker and compares the
outputs. Rounds alternate bare and checker; medians over rounds are printed, with ratios checker/bare (target from
issue 9: <= 1.10x). Then the same check through IsolatedRunner (a child process: start-up and imports included).
Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

from bench.isolated_work import busy
from bot.isolation import IsolatedRunner, Limits, Ok
from bot.services.models import check_model
from bot.services.models.latency import percentile
from bot.services.models.options import CheckOptions
from bot.services.models.session import open_session


def bare_loop(directory: Path, options: CheckOptions) -> dict[str, float]:
    """Session, one run of the test image, warm-up, timed runs: what any onnxruntime script would do."""
    import onnx
    from onnx import numpy_helper

    started = time.perf_counter()
    session = open_session(directory / "model.onnx", options)
    image = numpy_helper.to_array(onnx.load_tensor(str(directory / "test_data_set_0" / "input_0.pb")))
    feeds = {session.get_inputs()[0].name: image}
    session.run(None, feeds)
    for _ in range(options.warmup_runs):
        session.run(None, feeds)
    times = []
    for _ in range(options.latency_runs):
        run_started = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - run_started)
    total = time.perf_counter() - started
    return {"p50_ms": percentile(times, 0.5) * 1000, "p95_ms": percentile(times, 0.95) * 1000,
            "throughput_per_s": len(times) / sum(times), "total_s": total}


def checker(directory: Path, options: CheckOptions) -> dict[str, float]:
    """check_model in this process: its own latency numbers and its wall time."""
    started = time.perf_counter()
    report = check_model(str(directory), options.to_json())
    total = time.perf_counter() - started
    if report["verdict"] != "pass":
        raise SystemExit(f"the benchmark model did not pass its check: {report['reason']}")
    latency = report["latency"]
    return {"p50_ms": latency["p50_ms"], "p95_ms": latency["p95_ms"], "throughput_per_s": latency["throughput_per_s"],
            "total_s": total, **{f"{k}_s": v for k, v in report["seconds"].items() if k != "total"}}


async def isolated(directory: Path, options: CheckOptions, rounds: int) -> dict[str, list[float]]:
    """check_model in a child (as the bot runs it), and the child's import cost with and without bot.services."""
    runner = IsolatedRunner(max_jobs=1, limits=Limits(wall_s=300, rss_bytes=2 * 2**30))
    seen: dict[str, list[float]] = {"total_s": [], "p50_ms": [], "imports_s": [], "bare_imports_s": []}
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            result = await runner.run(check_model, str(directory), options.to_json())
            if not isinstance(result, Ok):
                raise SystemExit(f"the isolated check did not finish: {result.describe()}")
            seen["total_s"].append(time.perf_counter() - started)
            seen["p50_ms"].append(result.value["latency"]["p50_ms"])
            for key, modules in (("imports_s", ["bot.services.models.checker", "numpy", "onnx", "onnxruntime"]),
                                 ("bare_imports_s", ["numpy", "onnx", "onnxruntime"])):
                probe = await runner.run(busy, 0, modules)
                if isinstance(probe, Ok):
                    entered, imported, _left, _rss = probe.value
                    seen[key].append(imported - entered)
    finally:
        await runner.close()
    return seen


def median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs per side and round")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-isolated", action="store_true", help="skip the child-process rows")
    args = parser.parse_args(argv)

    from sandbox.models import seed_models

    built = time.perf_counter()
    directory = next(v.directory for v in seed_models() if (v.name, v.version) == ("TinyYOLO", 1))
    seed_s = time.perf_counter() - built
    options = CheckOptions(intra_op_threads=args.threads, warmup_runs=args.warmup, latency_runs=args.runs,
                           latency_max_s=3600)
    bare: list[dict[str, float]] = []
    checked: list[dict[str, float]] = []
    for _ in range(args.rounds):
        bare.append(bare_loop(directory, options))
        checked.append(checker(directory, options))

    print(f"model check: TinyYOLO 1 ({(directory / 'model.onnx').stat().st_size / 2**20:.1f} MiB), {args.runs} timed "
          f"runs after {args.warmup} warm-up, {args.threads} intra-op thread(s), medians of {args.rounds} rounds; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; seed_models() {seed_s:.2f} s")
    print(f"{'':32} {'bare onnxruntime':>17} {'check_model':>12} {'check/bare':>11}")
    for label, key, unit in (("p50 latency", "p50_ms", "ms"), ("p95 latency", "p95_ms", "ms"),
                             ("throughput", "throughput_per_s", "runs/s"), ("whole run", "total_s", "s")):
        b, c = median(bare, key), median(checked, key)
        print(f"{f'{label}, {unit}':32} {b:17.2f} {c:12.2f} {c / b:10.2f}x")
    print("check_model's extra steps, s: " + ", ".join(
        f"{name} {median(checked, f'{name}_s'):.3f}" for name in ("load", "session", "test_data", "latency")))

    if not args.no_isolated:
        seen = asyncio.run(isolated(directory, options, args.rounds))
        total = statistics.median(seen["total_s"])
        print(f"{'isolated check_model, whole run, s':32} {median(bare, 'total_s'):17.2f} {total:12.2f} "
              f"{total / median(bare, 'total_s'):10.2f}x")
        p50 = statistics.median(seen["p50_ms"])
        print(f"{'isolated check_model, p50, ms':32} {median(bare, 'p50_ms'):17.2f} {p50:12.2f} "
              f"{p50 / median(bare, 'p50_ms'):10.2f}x")
        if seen["imports_s"] and seen["bare_imports_s"]:
            print(f"child imports, s: numpy+onnx+onnxruntime {statistics.median(seen['bare_imports_s']):.3f}, "
                  f"with bot.services.models.checker {statistics.median(seen['imports_s']):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
