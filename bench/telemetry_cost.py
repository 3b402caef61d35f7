"""What telemetry costs College Bot: start-up to /healthz, resident memory and `help` latency, without
APPLICATIONINSIGHTS_CONNECTION_STRING and with it (the Azure Monitor exporter sending to a loopback ingestion
stand-in that accepts and discards, bench/ingestion_sink.py), next to botbuilder's bare echo bot (the floor).

    python -m bench.telemetry_cost               # ~30 s on 2 cores; --starts 5 --turns 40

Per variant, --starts times: spawn the process (`python app.py`, local mode, its own SQLite file; or
bench/echo_bot.py), time to the first 200 from GET /healthz, then --turns Teams-shaped `help` turns one at a time
(the Bot Connector stand-in, bench/connector_server.py, takes the replies), then 2 s idle, then VmRSS and VmHWM
from /proc/<pid>/status. Prints medians. Numbers only: nothing is judged (issue 12 item 7's budget: start-up
<= 2 s, idle RSS <= 250 MB, printed next to it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, TCPConnector

from bench.help_latency import (
    BENCH,
    JSON_HEADERS,
    ROOT,
    TURN_TIMEOUT,
    Conversations,
    Proc,
    bot_env,
    free_port,
    load_people,
    proc_status,
    spawn_connector,
    wait_healthy,
)
from bench.ingestion_sink import IngestionSink

IDLE_S = 2.0
VARIANTS = ("echo", "college", "college+telemetry")
LABELS = {"echo": "echo bot (floor)", "college": "College Bot, no telemetry",
          "college+telemetry": "College Bot, telemetry to a loopback ingestion"}


def spawn(variant: str, workdir: Path, tag: str, connection_string: str) -> Proc:
    port = free_port()
    env = bot_env(port, f"sqlite:///{workdir}/{variant}-{tag}.db")
    if variant == "college+telemetry":
        env["APPLICATIONINSIGHTS_CONNECTION_STRING"] = connection_string
    script = BENCH / "echo_bot.py" if variant == "echo" else ROOT / "app.py"
    log = workdir / f"{variant}-{tag}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        popen = subprocess.Popen([sys.executable, str(script)], cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=subprocess.STDOUT)
    # help_latency's Proc and wait_healthy know the two kinds by name: "echo" and "college"
    return Proc("echo" if variant == "echo" else "college", popen, log, port, started)


async def one(session: ClientSession, variant: str, workdir: Path, tag: str, sink: IngestionSink,
              conversations: Conversations, turns: int) -> dict[str, float]:
    proc = spawn(variant, workdir, tag, sink.connection_string)
    try:
        startup = await wait_healthy(session, proc)
        latencies = []
        for _ in range(turns):
            body = conversations.help_body(proc.name, 0)
            started = time.perf_counter()
            async with session.post(f"{proc.url}/api/messages", data=body, headers=JSON_HEADERS,
                                    timeout=TURN_TIMEOUT) as response:
                await response.read()
                if response.status not in (200, 201):
                    raise RuntimeError(f"{LABELS[variant]}: HTTP {response.status}\n{proc.log_tail()}")
            latencies.append(time.perf_counter() - started)
        await asyncio.sleep(IDLE_S)
        memory = proc_status(proc.pid)
        return {"startup_s": startup, "rss_mib": memory["VmRSS"] / 1024, "peak_mib": memory["VmHWM"] / 1024,
                "help_p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0}
    finally:
        proc.stop()


async def run(args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    sink = IngestionSink()
    await sink.start()
    results: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="telemetry-cost-") as scratch:
        workdir = Path(scratch)
        connector = spawn_connector(workdir)
        try:
            team, people = load_people()
            conversations = Conversations(f"http://127.0.0.1:{connector.port}", team, people)
            async with ClientSession(connector=TCPConnector(limit=10)) as session:
                for i in range(args.starts):  # variants alternate, so drift hits each alike
                    for variant in VARIANTS:
                        results[variant].append(await one(session, variant, workdir, str(i), sink, conversations,
                                                          args.turns))
        finally:
            connector.stop()
            await sink.stop()
    results["_received"] = [{"items": float(sink.received)}]
    return results


def helper_cost(rounds: int = 20_000) -> tuple[float, float]:
    """Microseconds for one span with an attribute set plus one counter add (what a backend call costs), with
    telemetry off and then on (the OpenTelemetry SDK in this process, spans to no exporter, an in-memory reader)."""
    import timeit

    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from bot import telemetry
    from bot.settings import load_settings

    def one() -> None:
        with telemetry.span("azure_devops.call", operation="list repositories", idempotent=True) as span:
            span.set(status=200, attempts=1)
        telemetry.count(telemetry.COMMANDS, command="help", outcome="ok")

    off = timeit.timeit(one, number=rounds) / rounds
    settings = load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True)
    telemetry.configure(settings, exporters=telemetry.Exporters(metrics=InMemoryMetricReader()))
    try:
        on = timeit.timeit(one, number=rounds) / rounds
    finally:
        telemetry.reset()
    return off * 1e6, on * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="starts per variant (default 5)")
    parser.add_argument("--turns", type=int, default=40, help="help turns per start before idling (default 40)")
    args = parser.parse_args()
    if not 1 <= args.starts <= 20 or not 0 <= args.turns <= 1000:
        parser.error("--starts must be 1..20 and --turns 0..1000")
    results = asyncio.run(run(args))
    load = os.getloadavg()[0]
    print(f"median of {args.starts} starts, {args.turns} help turns each, then {IDLE_S:.0f} s idle "
          f"(1-min load {load:.2f}, {os.cpu_count()} cores)\n")
    print(f"| {'':48} | start-up to /healthz, s | idle RSS, MiB | peak RSS, MiB | help p50, ms |")
    print(f"|{'-' * 50}|------------------------:|--------------:|--------------:|-------------:|")
    for variant in VARIANTS:
        rows = results[variant]

        def med(key: str, rows: list[dict[str, float]] = rows) -> float:
            return statistics.median(r[key] for r in rows)

        print(f"| {LABELS[variant]:48} | {med('startup_s'):23.2f} | {med('rss_mib'):13.1f} | {med('peak_mib'):13.1f} "
              f"| {med('help_p50_ms'):12.1f} |")
    print(f"\ntelemetry items the ingestion stand-in accepted: {int(results['_received'][0]['items'])}")
    off, on = helper_cost()
    print(f"one span + one counter (a backend call's telemetry) in this process: {off:.1f} us off, {on:.1f} us on")


if __name__ == "__main__":
    main()
