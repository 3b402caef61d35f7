"""A `models` turn answered from the store, next to the echo floor; start-up and memory with the Azure ML SDK loaded
(issue 9's targets: a cached `models` turn within 100 ms; start to /healthz within 2 s; RSS within 250 MB).

    python -m bench.models_latency [--turns 30]

Starts the sandbox (Azure DevOps + Azure ML over HTTPS + Azurite), the connector stand-in, College Bot with every
setting the sandbox prints, and the bare botbuilder echo bot, as separate processes on loopback. College Bot's
checks of the newest versions are warmed first (they run once, then come from the store); then `models` turns are
timed (the workspace is read each turn: the models list and each newest version, concurrently) next to the echo
bot answering the same message. Prints numbers only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from aiohttp import ClientSession

from bench.devops_latency import body, control_request, spawn_college_bot, start_sandbox, stop_sandbox, turn
from bench.help_latency import Conversations, load_people, proc_status, spawn_bot, spawn_connector, wait_healthy


def sandbox_ready(env: dict[str, str]) -> None:
    """Waits until the sandbox's models are registered and its blob store filled."""
    with urllib.request.urlopen(control_request(env, "ready?timeout_s=240"), timeout=260):
        pass


async def until_checked(session: ClientSession, url: str, conversations: Conversations) -> float:
    """Sends `models` until a turn answers from the store (fast): the checks have run; returns how long it took."""
    started = time.perf_counter()
    for i in range(120):
        if await turn(session, url, body(conversations, "models", 1000 + i)) < 1.0:
            return time.perf_counter() - started
        await asyncio.sleep(2)
    raise RuntimeError("the model checks never finished")


async def run(args: argparse.Namespace, workdir: Path) -> dict:
    sandbox, env = start_sandbox()
    connector = spawn_connector(workdir)
    conversations = Conversations(connector.url, *load_people())
    bot = echo = None
    try:
        sandbox_ready(env)
        bot = spawn_college_bot(workdir, env, devops_only=False)
        echo = spawn_bot("echo", workdir, f"sqlite:///{workdir}/echo.db", "echo")
        async with ClientSession() as session:
            startup = await wait_healthy(session, bot)
            await wait_healthy(session, echo)
            warm = await until_checked(session, bot.url, conversations)
            college = [await turn(session, bot.url, body(conversations, "models", i)) for i in range(args.turns)]
            floor = [await turn(session, echo.url, body(conversations, "models", i)) for i in range(args.turns)]
            status = proc_status(bot.pid)
        return {"startup_s": startup, "warm_s": warm, "college": college, "echo": floor,
                "rss_mib": status.get("VmRSS", 0) / 1024, "peak_mib": status.get("VmHWM", 0) / 1024}
    finally:
        for proc in (bot, echo, connector):
            if proc is not None:
                proc.stop()
        stop_sandbox(sandbox)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="models-latency-") as tmp:
        found = asyncio.run(run(args, Path(tmp)))
    college, echo = (statistics.median(found[k]) * 1000 for k in ("college", "echo"))
    print(f"{args.turns} turns each, after the checks ran once ({found['warm_s']:.1f} s to warm)")
    print("| | echo bot | College Bot `models` (from the store) | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| p50 turn, ms | {echo:.1f} | {college:.1f} | {college / echo:.2f}x |")
    print(f"| max turn, ms | {max(found['echo']) * 1000:.1f} | {max(found['college']) * 1000:.1f} | |")
    print(f"start-up to /healthz 200: {found['startup_s']:.2f} s; RSS after the turns (Azure ML SDK loaded): "
          f"{found['rss_mib']:.0f} MiB (peak {found['peak_mib']:.0f} MiB)")
    print(json.dumps({"p50_ms": round(college, 1), "echo_p50_ms": round(echo, 1)}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
