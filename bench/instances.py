"""College Bot as several instances on one Azure Blob Storage store (Azurite): what the shared store costs a click,
and how long a digest takes to be sent by the other instance when its sender is killed.

    python -m bench.instances [--rounds 5]

Starts the sandbox (Azure DevOps, Azure ML, its token service), the connector stand-in and Azurite (blob service
only, in memory), everything on 127.0.0.1. Then:

- the click: Carol's Approve click on approval 3 (bench/decision_latency.py's click, with the bot's identity), the
  sandbox reset to its seed before each click, timed from the adaptiveCard/action POST to its answer (the decided
  card), on one College Bot process with ``STORE_URL=sqlite:///...`` and one with ``STORE_URL=azblob://...`` (a
  fresh container on Azurite), alternating; the first round warms both (the model check, the SDKs' connections).
  The Blob store's requests per click are counted on a third process on another fresh container, not timed, whose
  azure-core logs each request (``SDK_LOG_LEVEL=INFO``: "Request URL" / "Request method", under its container);
- the takeover: per round and ``LEASE_SECONDS`` (2 and 5), two new College Bot processes on one container (the same
  for every round, as a real store keeps its model checks), ``DIGEST_TICK_SECONDS=0.2``. Each says `digest now` once
  in a personal chat (warm clients; the first run of all checks the new models), then a channel says "digest
  status" (so the bot keeps its conversation reference), a daily digest due a minute ago is written straight into
  the store, and the first digest read (``GET _apis/build/builds``) is held in the sandbox for 60 s. Once it is
  held, the process holding the lease ``digest:<channel>`` (its holder is "<host>:<pid>:<random>") is killed with
  SIGKILL; the time from the kill to the digest reaching the connector stand-in (in this process: a card whose
  body[0].text is "Digest") is taken, then the channel's digests in the round are counted (10 ticks later; one is
  right).

Prints numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import ClientSession, web

from bench.connector_server import ADAPTIVE, Counts, make_app
from bench.decision_latency import click, decide
from bench.devops_latency import control, control_request, spawn_college_bot, start_sandbox, stop_sandbox, turn
from bench.help_latency import (
    Conversations,
    Proc,
    Sample,
    load_average,
    load_people,
    spawn_connector,
    summarise,
    wait_healthy,
)
from bench.models_latency import sandbox_ready
from bot.store import DigestSchedule, open_store
from sandbox.azureml.azurite import Azurite

CONNECTION_STRING = "UseDevelopmentStorage=true"  # Azurite's well-known account and key
ACCOUNT = "devstoreaccount1"
LEASES = (2, 5)
TICK_S = 0.2
HOLD_MS = 60_000  # the first digest read is held this long: its instance is mid-digest when killed
DECIDED = "Approved: Prod of Release-2"


def container() -> str:
    return f"bench{uuid.uuid4().hex[:20]}"


def spawn(folder: Path, env: dict[str, str]) -> Proc:
    """College Bot with every sandbox setting plus ``env``, in ``folder``: its own Azure DevOps SDK cache there too
    (processes starting together would otherwise write one cache file at once)."""
    return spawn_college_bot(folder, {**env, "AZURE_DEVOPS_CACHE_DIR": str(folder / "sdk-cache")}, devops_only=False)


def faults(env: dict[str, str]) -> list[dict]:
    with urllib.request.urlopen(control_request(env, "faults"), timeout=10) as response:
        return json.loads(response.read())


# ---------------------------------------------------------------------------------------------------------
# 1. the click, SQLite vs the Blob store


def store_requests(log: Path, offset: int, prefix: str) -> Counter[str]:
    """The Blob requests under ``prefix`` (the container's URL) that azure-core's HttpLoggingPolicy logged after
    byte ``offset`` of the bot's log, by method and blob folder ("GET leases")."""
    text = log.read_bytes()
    found: Counter[str] = Counter()
    for line in text[offset:].decode(errors="replace").splitlines():
        try:
            message = str(json.loads(line).get("message", ""))
        except ValueError:
            continue
        url = re.match(r"Request URL: '([^']*)'", message)
        method = re.search(r"Request method: '(\w+)'", message)
        if url and method and url.group(1).startswith(prefix):
            folder = url.group(1)[len(prefix):].lstrip("/").split("/")[0].split("?")[0] or "(container)"
            found[f"{method.group(1)} {folder}"] += 1
    return found


async def click_costs(env: dict[str, str], workdir: Path, connector_url: str, blob: str, rounds: int) -> dict:
    team, _ = load_people()
    carol = next(p for p in team["people"] if p["key"] == "carol")
    identity = {**env, "OAUTH_CONNECTION_NAME": ""}  # decisions with the bot's identity
    azblob = {"AZURE_STORAGE_CONNECTION_STRING": CONNECTION_STRING}
    counted = container()
    variants = {
        "SQLite": identity,  # spawn_college_bot's own sqlite:///<folder>/bot.db
        "Azure Blob (Azurite)": {**identity, **azblob, "STORE_URL": f"{blob}/{container()}"},
        # not timed: azure-core logs each of its requests; no background ticks or resume looks during a click
        "counted": {**identity, **azblob, "STORE_URL": f"{blob}/{counted}", "SDK_LOG_LEVEL": "INFO",
                    "DIGEST_TICK_SECONDS": "3600", "LEASE_SECONDS": "3600"},
    }
    prefix = f"{blob.replace('azblob://', 'http://', 1)}/{counted}"
    bots: dict[str, Proc] = {}
    latencies: dict[str, list[float]] = {name: [] for name in variants if name != "counted"}
    methods: Counter[str] = Counter()
    try:
        for n, (name, bot_env) in enumerate(variants.items()):
            folder = workdir / f"click-{n}"
            folder.mkdir()
            bots[name] = spawn(folder, bot_env)
        async with ClientSession() as session:
            for bot in bots.values():
                await wait_healthy(session, bot)
            for i in range(rounds + 1):  # round 0 warms each bot: the model check, the SDKs' connections
                order = list(variants) if i % 2 == 0 else [*list(variants)[1::-1], "counted"]
                for name in order:
                    bot = bots[name]
                    control(env, "reset", {})
                    offset = bot.log.stat().st_size
                    elapsed, said = await decide(session, bot.url, click(team, connector_url, carol, "approved"))
                    if said != DECIDED:
                        raise RuntimeError(f"{name}: the click answered {said}\n{bot.log_tail()}")
                    if i == 0:
                        continue
                    if name == "counted":
                        await asyncio.sleep(0.5)  # anything the click still does after its answer
                        methods.update(store_requests(bot.log, offset, prefix))
                    else:
                        latencies[name].append(elapsed)
    finally:
        for bot in bots.values():
            bot.stop()
    return {"clicks": {name: summarise(Sample(latencies=values)) for name, values in latencies.items()},
            "requests_per_click": {m: count / rounds for m, count in sorted(methods.items())}}


# ---------------------------------------------------------------------------------------------------------
# 2. takeover after a crash


class DigestWatch(Counts):
    """The connector stand-in's counts, plus when each digest card arrived (perf_counter) and where."""

    def __init__(self) -> None:
        super().__init__()
        self.digests: list[tuple[float, str]] = []
        self.arrived = asyncio.Event()

    def record(self, conversation_id: str, activity: dict) -> None:
        super().record(conversation_id, activity)
        cards = [a.get("content") or {} for a in activity.get("attachments") or [] if a.get("contentType") == ADAPTIVE]
        if any(isinstance(c.get("body"), list) and c["body"] and c["body"][0].get("text") == "Digest" for c in cards):
            self.digests.append((time.perf_counter(), conversation_id))
            self.arrived.set()

    async def first(self, conversation_id: str, seen: int, timeout_s: float) -> float | None:
        """When the first digest to ``conversation_id`` after the first ``seen`` arrived; None if none within
        ``timeout_s``."""
        deadline = time.perf_counter() + timeout_s
        while True:
            found = next((at for at, cid in self.digests[seen:] if cid == conversation_id), None)
            if found is not None or time.perf_counter() >= deadline:
                return found
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), deadline - time.perf_counter())


def channel_message(conversations: Conversations, text: str) -> bytes:
    """A Teams message in the College Team's channel, from Alice, @mentioning the bot."""
    team = conversations.team
    activity = json.loads(conversations.help_body("instances", 0))
    alice = next(p for p in team["people"] if p["key"] == "alice")
    channel, bot = team["teams"]["team"]["id"], team["bot"]
    mention = f"<at>{bot['name']}</at>"
    activity.update({
        "from": {"id": alice["teams_id"], "name": alice["name"], "aadObjectId": alice["aad_object_id"]},
        "conversation": {"id": channel, "conversationType": "channel", "tenantId": team["tenant_id"]},
        "channelData": {"tenant": {"id": team["tenant_id"]}, "team": {"id": channel}, "channel": {"id": channel}},
        "text": f"{mention} {text}",
        "entities": [{"type": "mention", "text": mention, "mentioned": {"id": "28:" + bot["id"], "name": bot["name"]}}],
    })
    return json.dumps(activity).encode()


async def schedule_due_now(store_url: str, conversation: str, created_by: str) -> None:
    """A daily digest whose latest due time was a minute ago, as if set an hour ago (tests/azureml/
    test_several_instances.py's _schedule_due_now); the round before's schedule (sent) is removed first."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    due = now - timedelta(minutes=1)
    store = await open_store(store_url, CONNECTION_STRING)
    try:
        await store.delete_schedule(conversation)
        await store.put_schedule(DigestSchedule(conversation, "daily", due.strftime("%H:%M"), "UTC", created_by,
                                                now - timedelta(hours=1)))
    finally:
        await store.close()


async def holder_of(store_url: str, lease: str) -> str | None:
    store = await open_store(store_url, CONNECTION_STRING)
    try:
        return await store.lease_holder(lease, datetime.now(UTC))
    finally:
        await store.close()


async def warm(session: ClientSession, bot: Proc, conversations: Conversations, watch: DigestWatch, n: int) -> None:
    """`digest now` in a personal chat, until its card arrives: the process's Azure DevOps and Azure ML clients are
    then warm, and the model checks the digest shows are in the store (the first time they run)."""
    activity = json.loads(conversations.help_body(f"warm{n}", 0))
    activity["text"] = "digest now"
    seen = len(watch.digests)
    await turn(session, bot.url, json.dumps(activity).encode())
    if await watch.first(activity["conversation"]["id"], seen, 120) is None:
        raise RuntimeError(f"`digest now` never came\n{bot.log_tail()}")


async def takeover_round(session: ClientSession, env: dict[str, str], workdir: Path, store_url: str, lease_s: int,
                         conversations: Conversations, watch: DigestWatch, tag: str) -> tuple[float | None, int]:
    """One kill of the digest's holder: seconds from SIGKILL to the digest at the connector (None: it never came
    within the lease plus 60 s), and how many digests the channel got in the round."""
    team = conversations.team
    channel = team["teams"]["team"]["id"]
    alice = next(p for p in team["people"] if p["key"] == "alice")
    control(env, "reset", {})  # also clears the faults of the round before
    bot_env = {**env, "OAUTH_CONNECTION_NAME": "", "STORE_URL": store_url,
               "AZURE_STORAGE_CONNECTION_STRING": CONNECTION_STRING, "DIGEST_TICK_SECONDS": str(TICK_S),
               "LEASE_SECONDS": str(lease_s)}
    bots: list[Proc] = []
    try:
        for n in range(2):
            folder = workdir / f"{tag}-instance-{n}"
            folder.mkdir()
            bots.append(spawn(folder, bot_env))
        await asyncio.gather(*(wait_healthy(session, bot) for bot in bots))
        for n, bot in enumerate(bots):
            await warm(session, bot, conversations, watch, n)
        await turn(session, bots[0].url, channel_message(conversations, "digest status"))  # its reference is kept
        control(env, "faults", {"method": "GET", "path_regex": "_apis/build/builds", "delay_ms": HOLD_MS,
                                "count": 1})
        seen = len(watch.digests)
        await schedule_due_now(store_url, channel, alice["aad_object_id"])
        for _ in range(600):  # an instance took the lease and its first read is held: it is mid-digest
            if not await asyncio.to_thread(faults, env):
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError(f"no instance started the digest\n{bots[0].log_tail()}\n{bots[1].log_tail()}")
        holder = await holder_of(store_url, f"digest:{channel}")
        pid = int(holder.split(":")[1]) if holder else -1
        killed = next((bot for bot in bots if bot.pid == pid), None)
        if killed is None:
            raise RuntimeError(f"the digest's lease is held by {holder!r}, not by either instance")
        killed_at = time.perf_counter()
        killed.popen.send_signal(signal.SIGKILL)
        killed.popen.wait(10)
        arrived = await watch.first(channel, seen, lease_s + 60)
        await asyncio.sleep(10 * TICK_S)  # the survivor looks again, several times: nothing more should come
        digests = sum(1 for _, cid in watch.digests[seen:] if cid == channel)
        return (None if arrived is None else arrived - killed_at), digests
    finally:
        for bot in bots:
            bot.stop()


async def takeovers(env: dict[str, str], workdir: Path, blob: str, rounds: int) -> dict[int, list]:
    watch = DigestWatch()
    runner = web.AppRunner(make_app(watch), access_log=None)
    await runner.setup()
    store_url = f"{blob}/{container()}"  # one container for every round: model checks run once, as in a real store
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        conversations = Conversations(f"http://127.0.0.1:{runner.addresses[0][1]}", *load_people())
        results: dict[int, list] = {lease_s: [] for lease_s in LEASES}
        async with ClientSession() as session:
            for i in range(rounds):
                for lease_s in (LEASES if i % 2 == 0 else LEASES[::-1]):
                    results[lease_s].append(await takeover_round(session, env, workdir, store_url, lease_s,
                                                                 conversations, watch, f"lease{lease_s}-{i}"))
        return results
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------------------------------------------
# the run


async def run(args: argparse.Namespace, workdir: Path) -> dict:
    sandbox = connector = None
    azurite = Azurite()
    try:
        sandbox, env = start_sandbox()
        connector = spawn_connector(workdir)
        (workdir / "azurite").mkdir()
        port = (await azurite.start(workdir / "azurite")).rsplit(":", 1)[1]
        blob = f"azblob://127.0.0.1:{port}/{ACCOUNT}"
        await asyncio.to_thread(sandbox_ready, env)
        clicks = await click_costs(env, workdir, connector.url, blob, args.rounds)
        return {"clicks": clicks, "takeovers": await takeovers(env, workdir, blob, args.rounds)}
    finally:
        await azurite.stop()
        if connector is not None:
            connector.stop()
        if sandbox is not None:
            stop_sandbox(sandbox)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 50:
        parser.error("--rounds must be 1..50")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-instances-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))

    clicks = result["clicks"]
    print(f"Approve click (Carol, approval 3, the bot's identity; sandbox reset before each), {args.rounds} rounds, "
          "one bot process per store:")
    print("| store | p50 ms | p90 ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, numbers in clicks["clicks"].items():
        print(f"| {name} | {numbers['p50_ms']:.1f} | {numbers['p90_ms']:.1f} | {numbers['max_ms']:.1f} |")
    per_click = clicks["requests_per_click"]
    print(f"Blob store requests per click: {sum(per_click.values()):.1f} "
          f"({', '.join(f'{m} {n:.1f}' for m, n in per_click.items()) or 'none seen'}; another process, not timed)")
    print()
    print(f"Takeover after SIGKILL of the digest's holder (2 instances, one Blob container, "
          f"DIGEST_TICK_SECONDS={TICK_S}), {args.rounds} rounds per LEASE_SECONDS:")
    print("| LEASE_SECONDS | kill to digest, median s | max s | digests per round |")
    print("|---:|---:|---:|---|")
    for lease_s, rounds in result["takeovers"].items():
        took = [t for t, _ in rounds if t is not None]
        missing = len(rounds) - len(took)
        median = f"{statistics.median(took):.2f}" if took else "-"
        worst = f"{max(took):.2f}" if took else "-"
        counts = ", ".join(str(n) for _, n in rounds) + (f" ({missing} never came)" if missing else "")
        print(f"| {lease_s} | {median} | {worst} | {counts} |")
    print(f"whole run: {time.perf_counter() - began:.0f} s; 1-minute load {load_average():.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
