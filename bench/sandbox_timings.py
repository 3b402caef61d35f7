"""How fast the sandbox starts and resets (issue 3 asks for "well under 3 seconds" and a cheap reset).

    python -m bench.sandbox_timings [--starts 5] [--resets 50]

Start-up: from launching `python -m sandbox --port 0` to its first settings line on stdout (it prints them
once it accepts connections). Reset: `POST /_sandbox/reset` round trips over loopback. Prints numbers only.
"""

from __future__ import annotations

import argparse
import base64
import shlex
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_once() -> tuple[float, dict[str, str], subprocess.Popen]:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", "0"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first = process.stdout.readline()
    elapsed = time.perf_counter() - started
    env = {}
    line = first
    while line and len(env) < 5:
        key, _, value = line.rstrip("\n").partition("=")
        env[key] = shlex.split(value)[0]
        if len(env) < 5:
            line = process.stdout.readline()
    return elapsed, env, process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--resets", type=int, default=50)
    args = parser.parse_args(argv)

    starts = []
    env: dict[str, str] = {}
    process = None
    for i in range(args.starts):
        elapsed, env, process = start_once()
        starts.append(elapsed)
        if i < args.starts - 1:
            process.terminate()
            process.wait(10)
    assert process is not None
    try:
        auth = base64.b64encode(f":{env['AZURE_DEVOPS_PAT']}".encode()).decode()
        request = urllib.request.Request(f"{env['SANDBOX_CONTROL_URL']}/reset", data=b"{}", method="POST",
                                         headers={"Authorization": f"Basic {auth}",
                                                  "Content-Type": "application/json"})
        resets = []
        for _ in range(args.resets):
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
            resets.append((time.perf_counter() - started) * 1000)
    finally:
        process.terminate()
        process.wait(10)
    resets.sort()
    print(f"sandbox start-up to first settings line, s: median {statistics.median(starts):.3f}, "
          f"max {max(starts):.3f} ({args.starts} starts)")
    print(f"sandbox reset round trip, ms: p50 {resets[len(resets) // 2]:.1f}, "
          f"p99 {resets[min(len(resets) - 1, int(len(resets) * 0.99))]:.1f} ({args.resets} resets)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
