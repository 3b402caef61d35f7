"""What deciding an approval costs with the approver's own token (per-user sign-in) next to the bot's identity.

    python -m bench.decision_latency [--rounds 10]

Starts the sandbox (Azure DevOps, Azure ML, its token service) and the connector stand-in, then College Bot twice
(one process at a time): with OAUTH_CONNECTION_NAME (per-user sign-in: Carol signed in through the sandbox's
control API, as the sign-in page and code would) and without it (the bot's identity). Each round resets the
sandbox to its seed (approval 3 waits for Carol), then times Carol's Approve click: the adaptiveCard/action POST
until the decided card is the answer, and counts the calls the bot made to the sandbox's origins during it
(Azure DevOps, the token service) from its request log. The model check of the shipped version is warmed first
(it runs once, then comes from the store). Prints numbers only.
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
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import ClientSession

from bench.devops_latency import control, control_request, spawn_college_bot, start_sandbox, stop_sandbox
from bench.help_latency import load_people, spawn_connector, wait_healthy
from bench.models_latency import sandbox_ready


def requests_since(env: dict[str, str], since: int) -> list[dict]:
    with urllib.request.urlopen(control_request(env, f"requests?since={since}"), timeout=10) as response:
        return json.loads(response.read())


def last_seq(env: dict[str, str]) -> int:
    entries = requests_since(env, 0)
    return entries[-1]["seq"] if entries else 0


def click(team: dict, service_url: str, who: dict, decision: str) -> bytes:
    return json.dumps({
        "type": "invoke", "name": "adaptiveCard/action", "id": f"bench-{uuid.uuid4().hex}",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "serviceUrl": service_url, "channelId": "msteams",
        "from": {"id": who["teams_id"], "name": who["name"], "aadObjectId": who["aad_object_id"]},
        "conversation": {"id": "a:bench-decisions", "conversationType": "personal", "tenantId": team["tenant_id"]},
        "recipient": {"id": "28:" + team["bot"]["id"], "name": team["bot"]["name"]},
        "channelData": {"tenant": {"id": team["tenant_id"]}}, "locale": "en-US",
        "value": {"action": {"type": "Action.Execute", "verb": "approval.decide",
                             "data": {"approval": 3, "release": 2, "decision": decision}}, "trigger": "manual"},
    }).encode()


async def decide(session: ClientSession, url: str, body: bytes) -> tuple[float, str]:
    started = time.perf_counter()
    async with session.post(f"{url}/api/messages", data=body, headers={"Content-Type": "application/json"}) as r:
        answer = await r.json()
    elapsed = time.perf_counter() - started
    texts = json.dumps(answer.get("value", {}))
    return elapsed, "Approved: Prod of Release-2" if "Approved: Prod of Release-2" in texts else texts[:200]


async def measure(mode: str, env: dict[str, str], workdir: Path, connector_url: str, rounds: int) -> dict:
    team, _ = load_people()
    carol = next(p for p in team["people"] if p["key"] == "carol")
    bot_env = dict(env) if mode == "per-user sign-in" else {**env, "OAUTH_CONNECTION_NAME": ""}
    folder = workdir / mode.replace(" ", "-").replace("'", "")
    folder.mkdir()
    bot = spawn_college_bot(folder, bot_env, devops_only=False)
    latencies: list[float] = []
    calls: Counter[str] = Counter()
    try:
        async with ClientSession() as session:
            await wait_healthy(session, bot)
            for i in range(rounds + 1):  # the first round warms the model check and the SDK's connections
                control(env, "reset", {})
                control(env, "signout", {})
                if mode == "per-user sign-in":
                    control(env, "signin", {"person": "carol"})
                since = last_seq(env)
                elapsed, said = await decide(session, bot.url, click(team, connector_url, carol, "approved"))
                if said != "Approved: Prod of Release-2":
                    raise RuntimeError(f"{mode}: the click answered {said}\n{bot.log_tail()}")
                if i == 0:
                    continue
                latencies.append(elapsed)
                for entry in requests_since(env, since):
                    calls[f"{entry.get('origin', '?')} {entry['method']}"] += 1
    finally:
        bot.stop()
    return {"p50_ms": round(statistics.median(latencies) * 1000, 1),
            "max_ms": round(max(latencies) * 1000, 1),
            "calls_per_decision": {k: round(v / rounds, 1) for k, v in sorted(calls.items())}}


async def run(args: argparse.Namespace, workdir: Path) -> dict:
    sandbox, env = start_sandbox()
    connector = spawn_connector(workdir)
    try:
        sandbox_ready(env)
        return {mode: await measure(mode, env, workdir, connector.url, args.rounds)
                for mode in ("the bot's identity", "per-user sign-in")}
    finally:
        connector.stop()
        stop_sandbox(sandbox)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-decisions-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    for mode, numbers in result.items():
        print(f"{mode:20} p50 {numbers['p50_ms']:7.1f} ms  max {numbers['max_ms']:7.1f} ms  "
              f"calls per decision: {numbers['calls_per_decision']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
