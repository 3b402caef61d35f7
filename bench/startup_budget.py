"""Start-up and idle memory with everything configured, next to the echo floor (issue 12: start to /healthz <= 2 s,
RSS idle <= 250 MB).

    python -m bench.startup_budget [--starts 3] [--idle-s 5]

Starts the sandbox, Azurite and an Application Insights ingestion stand-in once and, --starts times each, College
Bot with every setting the sandbox prints (Azure DevOps, Azure ML over HTTPS with its own CA and blob endpoint,
per-user sign-in: OAUTH_CONNECTION_NAME and the token service stand-in), BOT_PUBLIC_URL (service hooks on), the Azure
Blob store on Azurite (STORE_URL=azblob://..., one container for every start, as a restarted instance finds it),
telemetry (APPLICATIONINSIGHTS_CONNECTION_STRING to the loopback stand-in) and PENDING_SECRETS_KEY, as it runs in
Azure; and the bare botbuilder echo bot, one process at a time on loopback. For each start: seconds from spawning the
process to its first 200 from /healthz, then its resident memory after --idle-s seconds without traffic. Prints the
medians (and the worst start) and the names of the settings used, never their values. Prints numbers only.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession

from bench.devops_latency import spawn_college_bot, start_sandbox, stop_sandbox
from bench.help_latency import Proc, proc_status, spawn_bot, wait_healthy
from bench.ingestion_sink import IngestionSink
from sandbox.azureml.azurite import Azurite

BUDGET_START_S = 2.0
BUDGET_RSS_MB = 250.0


async def measure(session: ClientSession, spawn, idle_s: float) -> tuple[float, float]:
    """(seconds to /healthz, idle RSS in MiB) of one start."""
    proc: Proc = spawn()
    try:
        started = await wait_healthy(session, proc)
        await asyncio.sleep(idle_s)
        rss = proc_status(proc.pid).get("VmRSS", 0) / 1024
        return started, rss
    finally:
        proc.stop()


async def run(args: argparse.Namespace, workdir: Path) -> dict:
    sandbox, env = start_sandbox()
    azurite, sink = Azurite(), IngestionSink()
    try:
        (workdir / "azurite").mkdir()
        blob = (await azurite.start(workdir / "azurite")).removeprefix("http://")
        await sink.start()
        env.update({
            "BOT_PUBLIC_URL": "http://127.0.0.1:9",  # service hooks on (loopback is allowed over http)
            "STORE_URL": f"azblob://{blob}/devstoreaccount1/college-bot",
            "AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true",
            "APPLICATIONINSIGHTS_CONNECTION_STRING": sink.connection_string,
            "PENDING_SECRETS_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        })
        settings = sorted(k for k in env if k != "SANDBOX_CONTROL_URL")
        results: dict[str, list[tuple[float, float]]] = {"echo": [], "college": []}
        async with ClientSession() as session:
            for i in range(args.starts):  # alternate, so both see the same machine load
                results["echo"].append(await measure(
                    session, lambda i=i: spawn_bot("echo", workdir, f"sqlite:///{workdir}/echo-{i}.db", str(i)),
                    args.idle_s))
                results["college"].append(await measure(
                    session, lambda: spawn_college_bot(workdir, env, devops_only=False), args.idle_s))
        return {"results": results, "settings": settings}
    finally:
        await sink.stop()
        await azurite.stop()
        stop_sandbox(sandbox)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--idle-s", type=float, default=5.0)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="startup-budget-") as tmp:
        found = asyncio.run(run(args, Path(tmp)))
    rows = {}
    for name, samples in found["results"].items():
        starts, rss = [s for s, _ in samples], [r for _, r in samples]
        rows[name] = (statistics.median(starts), max(starts), statistics.median(rss), max(rss))
    echo, college = rows["echo"], rows["college"]
    print(f"{args.starts} starts each, RSS after {args.idle_s:.0f} s idle ({time.perf_counter() - began:.0f} s in all)")
    print(f"College Bot's settings: {', '.join(found['settings'])}")
    print("| | echo bot | College Bot, everything configured | budget |")
    print("|---|---:|---:|---:|")
    print(f"| start-up to /healthz 200, s (median) | {echo[0]:.2f} | {college[0]:.2f} | {BUDGET_START_S:.0f} |")
    print(f"| start-up to /healthz 200, s (worst) | {echo[1]:.2f} | {college[1]:.2f} | {BUDGET_START_S:.0f} |")
    print(f"| RSS idle, MiB (median) | {echo[2]:.1f} | {college[2]:.1f} | {BUDGET_RSS_MB * 1e6 / 2**20:.0f} |")
    print(f"| RSS idle, MiB (largest) | {echo[3]:.1f} | {college[3]:.1f} | {BUDGET_RSS_MB * 1e6 / 2**20:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
