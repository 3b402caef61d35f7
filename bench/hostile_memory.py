"""College Bot's memory before and after N hostile activities (numbers only, nothing asserted).

    python -m bench.hostile_memory                      # 5,000 activities, seed 1
    python -m bench.hostile_memory --activities 20000 --concurrency 8 --seed 3

Starts the connector stand-in (bench/connector_server.py) and College Bot (`python app.py`, local mode, its own
SQLite file) on free loopback ports, warms the bot up with `help` turns, then posts N activities whose
sender-chosen values are new every time: conversation ids near the 1,024-character limit, service URL paths,
activity ids, plus bodies the bot must refuse (deep nesting, 200 KB texts, wrong types, lone surrogates,
unknown invoke names, duplicate keys, not JSON). It prints the HTTP statuses, the bot's resident memory
(VmRSS before and after, peak VmHWM, from /proc/<pid>/status), its open file descriptors before and after, and
the CPU time it spent.
Exit status is non-zero only when the benchmark could not run (the bot did not start, or died).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector

from bench.help_latency import TEAM_FILE, cpu_seconds, spawn_bot, spawn_connector, wait_healthy

MAX_ACTIVITIES = 200_000
KINDS = ("new-conversation", "new-conversation", "new-conversation", "nested", "huge-text", "wrong-type",
         "lone-surrogate", "unknown-invoke", "duplicate-key", "not-json", "card-action")
TIMEOUT = ClientTimeout(total=60)


def status_of(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM in MiB, and open descriptors, of a process."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    values["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return values


class Activities:
    """Teams-shaped activities with new sender-chosen values each time, and bodies to refuse."""

    def __init__(self, service_url: str, seed: int) -> None:
        team = json.loads(TEAM_FILE.read_text())
        self.bot = {"id": "28:" + team["bot"]["id"], "name": team["bot"]["name"]}
        self.person = next(p for p in team["people"] if p.get("in_organization"))
        self.tenant = team["tenant_id"]
        self.service_url = service_url
        self.random = random.Random(seed)
        self.n = 0

    def message(self, text: str, conversation_id: str, service_url: str) -> dict[str, Any]:
        self.n += 1
        return {
            "type": "message", "id": f"hostile-{self.n}", "timestamp": "2026-11-26T10:00:00.000Z",
            "serviceUrl": service_url, "channelId": "msteams",
            "from": {"id": self.person["teams_id"], "name": self.person["name"],
                     "aadObjectId": self.person["aad_object_id"]},
            "conversation": {"id": conversation_id, "conversationType": "personal", "tenantId": self.tenant},
            "recipient": self.bot, "channelData": {"tenant": {"id": self.tenant}}, "text": text,
        }

    def next(self) -> tuple[str, bytes]:
        kind = self.random.choice(KINDS)
        pad = "".join(self.random.choices("abcdefghijklmnopqrstuvwxyz0123456789-_", k=self.random.randint(100, 960)))
        conversation = f"a:{self.n}-{pad}"
        activity = self.message("help", conversation, f"{self.service_url}/hostile-{self.n}")
        if kind == "new-conversation":
            body = json.dumps(activity)
        elif kind == "nested":
            body = json.dumps(activity).replace('"help"', "[" * 50_000 + "]" * 50_000)
        elif kind == "huge-text":
            activity["text"] = "help " + "x" * 200_000
            body = json.dumps(activity)
        elif kind == "wrong-type":
            activity[self.random.choice(("text", "from", "conversation", "entities", "channelData"))] = 12345
            body = json.dumps(activity)
        elif kind == "lone-surrogate":
            activity["text"] = "help \ud800"
            body = json.dumps(activity)
        elif kind == "unknown-invoke":
            activity.update(type="invoke", name=f"x/{pad[:40]}", value={"data": pad})
            body = json.dumps(activity)
        elif kind == "duplicate-key":
            body = json.dumps(activity)[:-1] + ', "text": "whoami"}'
        elif kind == "not-json":
            body = "{" + pad
        else:
            activity.update(type="invoke", name="adaptiveCard/action",
                            value={"action": {"type": "Action.Execute", "verb": "help.command",
                                              "data": {"command": pad[:30]}}})
            body = json.dumps(activity)
        return kind, body.encode("utf-8", "surrogatepass")


async def post_all(url: str, activities: Activities, count: int, concurrency: int) -> tuple[Counter, Counter]:
    statuses: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    queue = [activities.next() for _ in range(count)]
    async with ClientSession(connector=TCPConnector(limit=concurrency), timeout=TIMEOUT) as session:
        async def worker(items: list[tuple[str, bytes]]) -> None:
            for kind, body in items:
                try:
                    async with session.post(f"{url}/api/messages", data=body,
                                            headers={"Content-Type": "application/json"}) as response:
                        await response.read()
                        statuses[response.status] += 1
                except (ClientError, OSError, TimeoutError):
                    statuses[0] += 1  # 0: no answer at all
                kinds[kind] += 1
        await asyncio.gather(*(worker(queue[i::concurrency]) for i in range(concurrency)))
    return statuses, kinds


async def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="hostile-memory-"))
    connector = spawn_connector(workdir)
    bot = spawn_bot("college", workdir, f"sqlite:///{workdir}/bot.db", "hostile")
    try:
        async with ClientSession() as session:
            await wait_healthy(session, bot)
        activities = Activities(connector.url, args.seed)
        warm = [activities.message("help", f"a:warm-{i % 4}", connector.url) for i in range(args.warmup)]
        async with ClientSession(timeout=TIMEOUT) as session:
            for activity in warm:
                async with session.post(f"{bot.url}/api/messages", json=activity) as response:
                    await response.read()
        before = status_of(bot.pid)
        cpu_before = cpu_seconds(bot.pid)
        started = time.perf_counter()
        statuses, kinds = await post_all(bot.url, activities, args.activities, args.concurrency)
        seconds = time.perf_counter() - started
        if bot.popen.poll() is not None:
            print(f"College Bot died (exit {bot.popen.returncode}):\n{bot.log_tail()}", file=sys.stderr)
            return 1
        after = status_of(bot.pid)
        cpu = cpu_seconds(bot.pid) - cpu_before
    finally:
        bot.stop()
        connector.stop()
    print(f"hostile activities: {args.activities} in {seconds:.1f} s ({args.concurrency} at once), seed {args.seed}")
    print("kinds: " + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())))
    print("HTTP statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    print(f"College Bot CPU: {cpu:.1f} s, {cpu / args.activities * 1000:.1f} ms per activity")
    print("|  | before | after | change |")
    print("|---|---:|---:|---:|")
    print(f"| RSS, MiB | {before['VmRSS']:.1f} | {after['VmRSS']:.1f} | {after['VmRSS'] - before['VmRSS']:+.1f} |")
    print(f"| peak RSS (VmHWM), MiB | {before['VmHWM']:.1f} | {after['VmHWM']:.1f} | "
          f"{after['VmHWM'] - before['VmHWM']:+.1f} |")
    print(f"| open file descriptors | {before['fds']:.0f} | {after['fds']:.0f} | {after['fds'] - before['fds']:+.0f} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.activities = max(1, min(args.activities, MAX_ACTIVITIES))
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
