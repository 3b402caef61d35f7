"""What running a job in another process costs: the isolated-job runner next to a plain in-process call.

    python -m bench.isolated_jobs [--jobs 50] [--work-ms 0 100] [--preload numpy onnxruntime]

For each amount of work (a busy loop of `--work-ms`, 0 = an empty job) it times `--jobs` calls in-process, then
through IsolatedRunner one at a time and two at a time (two callers, two slots, so nothing queues), and prints
p50/p95 per job and the overhead (isolated p50 minus in-process p50). The job reports when it was entered, so
start-up (run() called -> job entered: interpreter start, child set-up, imports) and the way back (job returned
-> result in the caller) are printed separately. `--preload` modules are imported by the job, as a model check
imports onnxruntime. Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from bench.isolated_work import busy
from bot.isolation import IsolatedRunner, Limits, Ok


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_process(jobs: int, work_ms: float, preload: list[str]) -> list[float]:
    times = []
    for _ in range(jobs):
        started = time.monotonic()
        busy(work_ms, preload)
        times.append(time.monotonic() - started)
    return times


async def isolated(jobs: int, concurrent: int, work_ms: float, preload: list[str]) -> dict[str, list[float]]:
    runner = IsolatedRunner(max_jobs=concurrent, limits=Limits(wall_s=120))
    seen: dict[str, list[float]] = {"total": [], "start": [], "imports": [], "back": [], "rss": []}

    async def caller(count: int) -> None:
        for _ in range(count):
            started = time.monotonic()
            result = await runner.run(busy, work_ms, preload)
            ended = time.monotonic()
            if not isinstance(result, Ok):
                raise SystemExit(f"a benchmark job did not finish: {result}")
            entered, imported, left, rss = result.value
            seen["total"].append(ended - started)
            seen["start"].append(entered - started)
            seen["imports"].append(imported - entered)
            seen["back"].append(ended - left)
            seen["rss"].append(rss)

    try:
        await caller(2)  # warm-up: the file system cache, the first .pyc writes
        for values in seen.values():
            values.clear()
        await asyncio.gather(*(caller(max(1, jobs // concurrent)) for _ in range(concurrent)))
    finally:
        await runner.close()
    return seen


def ms(values: list[float]) -> str:
    return f"{pct(values, 0.5) * 1000:8.2f} {pct(values, 0.95) * 1000:8.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--work-ms", type=float, nargs="+", default=[0.0, 100.0])
    parser.add_argument("--preload", nargs="*", default=[])
    args = parser.parse_args(argv)

    print(f"isolated jobs: {args.jobs} jobs per row, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
          f"preload {args.preload or 'nothing'}")
    print(f"{'work, ms':>8} {'mode':<18} {'p50 ms':>8} {'p95 ms':>8} {'overhead p50 ms':>16}")
    for work_ms in args.work_ms:
        local = in_process(args.jobs, work_ms, args.preload)
        base = pct(local, 0.5)
        print(f"{work_ms:8g} {'in-process':<18} {ms(local)} {'':>16}")
        for concurrent in (1, 2):
            seen = asyncio.run(isolated(args.jobs, concurrent, work_ms, args.preload))
            overhead = (pct(seen["total"], 0.5) - base) * 1000
            print(f"{work_ms:8g} {f'isolated, {concurrent} at once':<18} {ms(seen['total'])} {overhead:16.2f}")
            print(f"{'':8} {'  start-up':<18} {ms(seen['start'])}")
            if args.preload:
                print(f"{'':8} {'  imports':<18} {ms(seen['imports'])}")
            print(f"{'':8} {'  result back':<18} {ms(seen['back'])}")
            print(f"{'':8} {'  child peak RSS':<18} {pct(seen['rss'], 0.5) / 2**20:8.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
