"""How long typed commands take when every Azure DevOps call takes a while (issue 7: independent reads run at the
same time, so `team` costs 2 round trips, not 4).

    python -m bench.devops_latency [--delay-ms 150] [--turns 10]

Starts the sandbox, the Bot Connector stand-in and College Bot as separate processes on loopback, makes every
Azure DevOps call take --delay-ms through the sandbox's fault rules, and times each command's HTTP turn (the turn
ends once the bot has sent its answer). Prints numbers only; the round-trip count is the p50 divided by the delay.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from aiohttp import ClientSession

from bench.help_latency import ROOT, Conversations, Proc, bot_env, free_port, load_people, spawn_connector, wait_healthy

COMMANDS = ("team", "repos", "whoami")


def start_sandbox() -> tuple[subprocess.Popen, dict[str, str]]:
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    env: dict[str, str] = {}
    assert process.stdout is not None
    while not {"SANDBOX_CONTROL_URL", "OAUTH_CONNECTION_NAME"} <= env.keys():  # the first and last it prints
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox did not start")
        key, _, value = line.rstrip("\n").partition("=")
        if value:
            env[key] = shlex.split(value)[0]
    # keep reading what it prints, so a full pipe never blocks it
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return process, env


def control_request(env: dict[str, str], path: str, body: dict | None = None) -> urllib.request.Request:
    """A request to the sandbox's control API (POST with ``body``, else GET)."""
    auth = base64.b64encode(f":{env['AZURE_DEVOPS_PAT']}".encode()).decode()
    return urllib.request.Request(f"{env['SANDBOX_CONTROL_URL']}/{path}",
                                  data=json.dumps(body).encode() if body is not None else None,
                                  method="POST" if body is not None else "GET",
                                  headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"})


def control(env: dict[str, str], path: str, body: dict) -> None:
    with urllib.request.urlopen(control_request(env, path, body), timeout=10):
        pass


def stop_sandbox(sandbox: subprocess.Popen) -> None:
    sandbox.terminate()
    try:
        sandbox.wait(30)
    except subprocess.TimeoutExpired:
        sandbox.kill()
        sandbox.wait(10)


async def turn(session: ClientSession, url: str, body: bytes) -> float:
    started = time.perf_counter()
    async with session.post(f"{url}/api/messages", data=body, headers={"Content-Type": "application/json"}) as r:
        await r.read()
        if r.status not in (200, 201):
            raise RuntimeError(f"HTTP {r.status}")
    return time.perf_counter() - started


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, list[float]]:
    sandbox, env = start_sandbox()
    connector = spawn_connector(workdir)
    team, people = load_people()
    conversations = Conversations(connector.url, team, people)
    bot = None
    try:
        bot = spawn_college_bot(workdir, env)
        async with ClientSession() as session:
            await wait_healthy(session, bot)
            results: dict[str, list[float]] = {}
            for command in COMMANDS:  # warm: the SDK's one-time location lookups, the admin lookup
                await turn(session, bot.url, body(conversations, command, 0))
            control(env, "faults", {"path_regex": "_apis/", "delay_ms": args.delay_ms})
            for command in COMMANDS:
                results[command] = [await turn(session, bot.url, body(conversations, command, i + 1))
                                    for i in range(args.turns)]
            return results
    finally:
        for proc in (bot, connector):
            if proc is not None:
                proc.stop()
        stop_sandbox(sandbox)


def spawn_college_bot(workdir: Path, sandbox_env: dict[str, str], *, devops_only: bool = True) -> Proc:
    """College Bot pointed at the sandbox (admins from its Azure DevOps team, as in the tests); with
    ``devops_only=False`` at its Azure ML too."""
    port = free_port()
    env = bot_env(port, f"sqlite:///{workdir}/bot.db")
    env.update({k: v for k, v in sandbox_env.items()
                if k.startswith("AZURE_DEVOPS") or (not devops_only and k != "SANDBOX_CONTROL_URL")})
    log = workdir / "college-devops.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        popen = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=workdir, env=env,
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    return Proc("college", popen, log, port, started)


def body(conversations: Conversations, command: str, index: int) -> bytes:
    activity = json.loads(conversations.help_body("college", index))
    activity["text"] = command
    return json.dumps(activity).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=int, default=150)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="devops-latency-") as tmp:
        results = asyncio.run(run(args, Path(tmp)))
    print(f"every Azure DevOps call delayed {args.delay_ms} ms; {args.turns} turns per command")
    print("| command | p50 ms | max ms | round trips (p50 / delay) |")
    print("|---|---:|---:|---:|")
    for command, seconds in results.items():
        p50 = statistics.median(seconds) * 1000
        print(f"| {command} | {p50:.0f} | {max(seconds) * 1000:.0f} | {p50 / args.delay_ms:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
