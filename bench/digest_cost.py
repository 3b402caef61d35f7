"""What one digest costs at several sizes: Azure DevOps calls (from the sandbox's request log) and the bot's time.

    python -m bench.digest_cost [--sizes 100x20 1000x200 3000x600] [--runs-per-pipeline 3] [--rounds 3]

Starts the sandbox (a process of its own), and for each size resets it, adds the scale seed (`POST /_sandbox/seed`:
N pipelines, M release definitions) and reads the digest of the last 24 hours in this process, as the bot does
(bot/services/devops/digest.py through the real SDK, then cards/digest.py), after one warm-up digest (the SDK's
one-time OPTIONS / ResourceAreas lookups). Prints per size: the calls one digest made, the card's size and detail,
the wall time of a digest (p50 of --rounds) and the bot's CPU time in it (this process; the sandbox's is its own).
Numbers only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta

os.environ.setdefault("AZURE_DEVOPS_CACHE_DIR", tempfile.mkdtemp(prefix="digest-cost-sdk-"))

from bench.devops_latency import control, control_request, start_sandbox, stop_sandbox


def requests_since(env: dict[str, str], since: int) -> list[dict]:
    with urllib.request.urlopen(control_request(env, f"requests?since={since}"), timeout=30) as answer:
        return json.loads(answer.read())


def last_seq(env: dict[str, str]) -> int:
    entries = requests_since(env, 0)
    return entries[-1]["seq"] if entries else 0


async def one_digest(env: dict[str, str]) -> tuple[float, float, int, dict]:
    """Wall and CPU seconds of one digest (read + card), the Azure DevOps calls it made, and the card."""
    from msrest.authentication import BasicAuthentication

    from bot.services.devops.client import DevOpsClient
    from bot.services.devops.digest import read_digest
    from cards.digest import digest_card

    devops = DevOpsClient(env["AZURE_DEVOPS_ORG_URL"], env["AZURE_DEVOPS_PROJECT"], env["AZURE_DEVOPS_TEAM"],
                          BasicAuthentication("", env["AZURE_DEVOPS_PAT"]))
    try:
        now = datetime.now(UTC)
        await read_digest(devops, now - timedelta(hours=24), now)  # warm-up: the SDK's location lookups
        before = last_seq(env)
        wall, cpu = time.perf_counter(), time.process_time()
        digest = await read_digest(devops, now - timedelta(hours=24), now)
        card = digest_card(digest, now=now)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall, cpu, len(requests_since(env, before)), card
    finally:
        await devops.close()


def size(value: str) -> tuple[int, int]:
    pipelines, _, definitions = value.partition("x")
    return int(pipelines), int(definitions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=size, default=[(100, 20), (1000, 200), (3000, 600)])
    parser.add_argument("--runs-per-pipeline", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from cards.digest import card_bytes

    sandbox, env = start_sandbox()
    rows = []
    try:
        for pipelines, definitions in args.sizes:
            control(env, "reset", {})
            control(env, "seed", {"pipelines": pipelines, "release_definitions": definitions,
                                  "runs_per_pipeline": args.runs_per_pipeline})
            walls, cpus, calls = [], [], []
            card: dict = {}
            for _ in range(args.rounds):
                wall, cpu, made, card = asyncio.run(one_digest(env))
                walls.append(wall)
                cpus.append(cpu)
                calls.append(made)
            detail = "summarised" if "…and" in json.dumps(card, ensure_ascii=False) else "every row"
            rows.append((pipelines, definitions, max(calls), card_bytes(card), detail, statistics.median(walls),
                         statistics.median(cpus)))
    finally:
        stop_sandbox(sandbox)
    print(f"one digest of the last 24 h; {args.runs_per_pipeline} runs per pipeline; p50 of {args.rounds} rounds")
    print("| pipelines | release definitions | Azure DevOps calls | card KB | card | wall ms | bot CPU ms |")
    print("|---:|---:|---:|---:|---|---:|---:|")
    for pipelines, definitions, calls, size_bytes, detail, wall, cpu in rows:
        print(f"| {pipelines} | {definitions} | {calls} | {size_bytes / 1024:.1f} | {detail} | {wall * 1000:.0f} | "
              f"{cpu * 1000:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
