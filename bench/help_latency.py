"""`help` latency of College Bot next to botbuilder's bare echo bot, measured in the same run.

    python -m bench.help_latency                 # defaults: 400 turns per bot and mode, 20 conversations
    python bench/help_latency.py --turns 100 --concurrency 20 --starts 3

Starts, as separate processes on free loopback ports: a Bot Connector stand-in (bench/connector_server.py),
College Bot (`python app.py`, local mode, its own SQLite file) and the echo bot (bench/echo_bot.py). Then:

- start-up: time from spawning each bot to its first 200 from GET /healthz (median of --starts starts);
- warm-up turns (every conversation used gets at least one, so first-contact work is not measured);
- `help` message activities (Teams-shaped, personal chat, unique ids) POSTed to /api/messages, first one at
  a time, then from --concurrency conversations at once. A turn's latency is the POST until its response,
  which includes the bot's reply to the connector. Bots alternate in two rounds per mode, so drift hits both;
- CPU time each bot process used per measured turn (/proc/<pid>/stat), and its resident memory
  (VmRSS, peak VmHWM from /proc/<pid>/status) after the run.

It prints a table, writes JSON to <out-dir>/latest.json and a Markdown snapshot to <out-dir>/latest.md
(default out-dir: bench/results). Numbers are reported, never judged; the exit status is non-zero only when
the benchmark itself could not run (a bot did not start, a turn failed or got no reply).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TEAM_FILE = ROOT / "sandbox" / "world" / "college_team.json"
DEFAULT_OUT = BENCH / "results"

MAX_TURNS = 20_000  # hard bound on --turns, whatever is asked
START_TIMEOUT_S = 30.0
TURN_TIMEOUT = ClientTimeout(total=15)
POLL_INTERVAL_S = 0.005
BOTS = ("echo", "college")
LABELS = {"echo": "echo bot", "college": "College Bot"}
JSON_HEADERS = {"Content-Type": "application/json"}
# Settings a developer's shell may carry that would change what the bots do: never passed on.
_STRIPPED_PREFIXES = ("MicrosoftApp", "MICROSOFT_APP", "AZURE_", "BOT_", "ALLOWED_TENANT", "STORE_URL", "HOST",
                      "PORT", "LOG_LEVEL", "MAX_BODY", "ADMIN_GROUP")


# ---------------------------------------------------------------------------------------------------------
# processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot_env(port: int, store_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIPPED_PREFIXES)}
    env.update({
        "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true",
        "PORT": str(port),
        "STORE_URL": store_url,
        "PYTHONUNBUFFERED": "1",
    })
    return env


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    port: int = 0
    started_at: float = 0.0

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


def spawn_bot(kind: str, workdir: Path, store_url: str, tag: str) -> Proc:
    """Starts College Bot (`python app.py`) or the echo bot; cwd is a scratch folder so no .env is read."""
    port = free_port()
    script = ROOT / "app.py" if kind == "college" else BENCH / "echo_bot.py"
    log = workdir / f"{kind}-{tag}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        popen = subprocess.Popen([sys.executable, str(script)], cwd=workdir, env=bot_env(port, store_url),
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    return Proc(kind, popen, log, port, started)


def spawn_connector(workdir: Path) -> Proc:
    log = workdir / "connector.log"
    with log.open("wb") as err:
        popen = subprocess.Popen([sys.executable, str(BENCH / "connector_server.py")], cwd=workdir,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
    proc = Proc("connector", popen, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    line = b""
    assert popen.stdout is not None
    while time.monotonic() < deadline and popen.poll() is None:
        ready, _, _ = select.select([popen.stdout], [], [], 0.1)
        if ready:
            line = popen.stdout.readline()
            break
    if not line.startswith(b"PORT "):
        proc.stop()
        raise RuntimeError(f"the connector stand-in did not start:\n{proc.log_tail()}")
    proc.port = int(line.split()[1])
    return proc


async def wait_healthy(session: ClientSession, proc: Proc) -> float:
    """Seconds from spawning the process to its first 200 from /healthz."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{LABELS[proc.name]} exited with {proc.popen.returncode}:\n{proc.log_tail()}")
        try:
            async with session.get(f"{proc.url}/healthz", timeout=ClientTimeout(total=2)) as response:
                if response.status == 200:
                    return time.perf_counter() - proc.started_at
        except (ClientError, OSError, TimeoutError):
            pass
        await asyncio.sleep(POLL_INTERVAL_S)
    raise RuntimeError(f"{LABELS[proc.name]} did not answer /healthz within {START_TIMEOUT_S:.0f} s:\n"
                       f"{proc.log_tail()}")


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) in KiB, from /proc/<pid>/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------------------
# activities


def load_people() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    team = json.loads(TEAM_FILE.read_text())
    members = [p for p in team["people"] if p.get("in_organization")]
    return team, members


@dataclass
class Conversations:
    """Teams-shaped `help` messages in personal chats; each bot gets its own conversation ids."""

    service_url: str
    team: dict[str, Any]
    people: list[dict[str, Any]]

    def conversation(self, bot: str, index: int) -> tuple[str, dict[str, Any]]:
        return f"a:bench-{bot}-{index}", self.people[index % len(self.people)]

    def help_body(self, bot: str, index: int) -> bytes:
        conversation_id, person = self.conversation(bot, index)
        bot_account = self.team["bot"]
        activity = {
            "type": "message",
            "id": f"bench-{uuid.uuid4().hex}",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": person["teams_id"], "name": person["name"], "aadObjectId": person["aad_object_id"]},
            "conversation": {"id": conversation_id, "conversationType": "personal",
                             "tenantId": self.team["tenant_id"]},
            "recipient": {"id": "28:" + bot_account["id"], "name": bot_account["name"]},
            "channelData": {"tenant": {"id": self.team["tenant_id"]}},
            "locale": "en-US",
            "text": "help",
            "textFormat": "plain",
        }
        return json.dumps(activity).encode()


# ---------------------------------------------------------------------------------------------------------
# turns


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    errors: list[str] = field(default_factory=list)
    cpu: float = 0.0

    def add(self, other: Sample) -> None:
        self.latencies.extend(other.latencies)
        self.wall += other.wall
        self.errors.extend(other.errors)


class Driver:
    def __init__(self, session: ClientSession, conversations: Conversations, deadline: float) -> None:
        self.session = session
        self.conversations = conversations
        self.deadline = deadline
        self.sent: dict[str, int] = {bot: 0 for bot in BOTS}

    async def turn(self, proc: Proc, index: int, sample: Sample) -> None:
        body = self.conversations.help_body(proc.name, index)
        started = time.perf_counter()
        try:
            async with self.session.post(f"{proc.url}/api/messages", data=body, headers=JSON_HEADERS,
                                         timeout=TURN_TIMEOUT) as response:
                await response.read()
                status = response.status
        except (ClientError, OSError, TimeoutError) as exc:
            sample.errors.append(f"{type(exc).__name__}: {exc}")
            return
        elapsed = time.perf_counter() - started
        self.sent[proc.name] += 1
        if status in (200, 201):
            sample.latencies.append(elapsed)
        else:
            sample.errors.append(f"HTTP {status}")

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    async def sequential(self, proc: Proc, turns: int, conversation: int) -> Sample:
        sample = Sample()
        started = time.perf_counter()
        for _ in range(turns):
            if self.out_of_time():
                break
            await self.turn(proc, conversation, sample)
        sample.wall = time.perf_counter() - started
        return sample

    async def concurrent(self, proc: Proc, turns: int, conversations: range) -> Sample:
        sample = Sample()
        per_worker = [turns // len(conversations) + (1 if i < turns % len(conversations) else 0)
                      for i in range(len(conversations))]

        async def worker(conversation: int, count: int) -> None:
            for _ in range(count):
                if self.out_of_time():
                    return
                await self.turn(proc, conversation, sample)

        started = time.perf_counter()
        await asyncio.gather(*(worker(c, n) for c, n in zip(conversations, per_worker, strict=True)))
        sample.wall = time.perf_counter() - started
        return sample


def summarise(sample: Sample) -> dict[str, Any]:
    values = sorted(sample.latencies)
    n = len(values)

    def pct(p: float) -> float:
        return values[max(0, math.ceil(p / 100 * n) - 1)] * 1000 if n else float("nan")

    return {
        "turns": n,
        "errors": len(sample.errors),
        "p50_ms": round(pct(50), 3),
        "p90_ms": round(pct(90), 3),
        "p99_ms": round(pct(99), 3),
        "max_ms": round(values[-1] * 1000, 3) if n else float("nan"),
        "mean_ms": round(statistics.fmean(values) * 1000, 3) if n else float("nan"),
        "throughput_per_s": round(n / sample.wall, 1) if sample.wall else float("nan"),
        "cpu_ms_per_turn": round(sample.cpu / n * 1000, 3) if n else float("nan"),
    }


# ---------------------------------------------------------------------------------------------------------
# the run


async def measure_startups(session: ClientSession, workdir: Path, store_url: str, starts: int) -> dict[str, list]:
    times: dict[str, list[float]] = {bot: [] for bot in BOTS}
    for i in range(starts):
        for bot in (BOTS if i % 2 == 0 else BOTS[::-1]):
            proc = spawn_bot(bot, workdir, store_url, f"start{i}")
            try:
                times[bot].append(await wait_healthy(session, proc))
            finally:
                proc.stop()
    return times


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    deadline = time.monotonic() + args.max_seconds
    load_before = load_average()
    store_url = f"sqlite:///{workdir}/bench.db"
    team, people = load_people()
    concurrency = args.concurrency
    seq_conversation = concurrency  # conversation ids 0..concurrency-1 are the concurrent ones

    connector = spawn_connector(workdir)
    procs: dict[str, Proc] = {}
    try:
        conversations = Conversations(f"http://127.0.0.1:{connector.port}", team, people)
        http = TCPConnector(limit=concurrency * 2 + 4, force_close=False)
        async with ClientSession(connector=http) as session:
            startup = await measure_startups(session, workdir, store_url, args.starts)

            for bot in BOTS:
                procs[bot] = spawn_bot(bot, workdir, store_url, "run")
                await wait_healthy(session, procs[bot])

            driver = Driver(session, conversations, deadline)
            warm = Sample()
            for bot in BOTS:  # every conversation once (first contact), then the rest one at a time
                await driver.concurrent(procs[bot], concurrency, range(concurrency))
                warm.add(await driver.sequential(procs[bot], max(1, args.warmup - concurrency), seq_conversation))
            if warm.errors:
                raise RuntimeError(f"warm-up turns failed: {sorted(set(warm.errors))[:5]}\n"
                                   f"{procs['college'].log_tail()}")

            results: dict[str, dict[str, Sample]] = {mode: {bot: Sample() for bot in BOTS}
                                                     for mode in ("sequential", "concurrent")}
            halves = (args.turns - args.turns // 2, args.turns // 2)
            for mode in ("sequential", "concurrent"):
                for round_, turns in enumerate(halves):
                    for bot in (BOTS if round_ == 0 else BOTS[::-1]):
                        cpu_before = cpu_seconds(procs[bot].pid)
                        if mode == "sequential":
                            sample = await driver.sequential(procs[bot], turns, seq_conversation)
                        else:
                            sample = await driver.concurrent(procs[bot], turns, range(concurrency))
                        sample.cpu = cpu_seconds(procs[bot].pid) - cpu_before
                        results[mode][bot].add(sample)
                        results[mode][bot].cpu += sample.cpu

            memory = {bot: proc_status(procs[bot].pid) for bot in BOTS}
            async with session.get(f"{conversations.service_url}/_stats") as response:
                received = await response.json()
    finally:
        for proc in [*procs.values(), connector]:
            proc.stop()

    replies: dict[str, dict[str, int]] = {}
    for bot in BOTS:
        mine = [v for cid, v in received.items() if cid.startswith(f"a:bench-{bot}-")]
        replies[bot] = {"posted": driver.sent[bot], "replies": sum(v["sent"] for v in mine),
                        "cards": sum(v["cards"] for v in mine)}

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.help_latency " + " ".join(sys.argv[1:]),
        "environment": environment(),
        "settings": {"turns": args.turns, "concurrency": concurrency, "warmup": args.warmup, "starts": args.starts},
        "timed_out": driver.out_of_time(),
        "load_average": {"before": load_before, "after": load_average()},
        "startup_s": {bot: {"median": round(statistics.median(t), 3), "min": round(min(t), 3),
                            "max": round(max(t), 3), "samples": [round(x, 3) for x in t]}
                      for bot, t in startup.items()},
        "modes": {mode: {bot: summarise(s) for bot, s in by_bot.items()} for mode, by_bot in results.items()},
        "errors": {mode: {bot: sorted(set(s.errors))[:5] for bot, s in by_bot.items() if s.errors}
                   for mode, by_bot in results.items()},
        "memory_kib": memory,
        "replies": replies,
    }


def environment() -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=5,
                                  check=False).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    commit = git("rev-parse", "--short", "HEAD")
    if commit and git("status", "--porcelain", "--untracked-files=no", "--", "app.py", "bot", "cards", "dialogs"):
        commit += "+uncommitted changes"
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
            "botbuilder": version("botbuilder-core"), "aiohttp": version("aiohttp"), "commit": commit}


def load_average() -> float:
    """1-minute load average: other work on the machine makes every number here noisier."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


# ---------------------------------------------------------------------------------------------------------
# reporting


def _ratio(college: float, echo: float) -> str:
    return f"{college / echo:.2f}x" if echo and not math.isnan(echo) and not math.isnan(college) else "-"


def table_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    conc = result["settings"]["concurrency"]
    for mode, title in (("sequential", "sequential"), ("concurrent", f"{conc} conversations")):
        echo, college = result["modes"][mode]["echo"], result["modes"][mode]["college"]
        for key, label in (("p50_ms", "p50 latency, ms"), ("p99_ms", "p99 latency, ms"),
                           ("throughput_per_s", "throughput, turns/s"), ("cpu_ms_per_turn", "bot CPU per turn, ms")):
            rows.append((f"{title}: {label}", f"{echo[key]:.2f}" if key != "throughput_per_s" else f"{echo[key]:.0f}",
                         f"{college[key]:.2f}" if key != "throughput_per_s" else f"{college[key]:.0f}",
                         _ratio(college[key], echo[key])))
    start = result["startup_s"]
    rows.append((f"start-up to /healthz 200, s (median of {len(start['college']['samples'])})",
                 f"{start['echo']['median']:.2f}", f"{start['college']['median']:.2f}",
                 _ratio(start["college"]["median"], start["echo"]["median"])))
    mem = result["memory_kib"]
    for key, label in (("VmRSS", "RSS after run, MiB"), ("VmHWM", "peak RSS, MiB")):
        rows.append((label, f"{mem['echo'][key] / 1024:.1f}", f"{mem['college'][key] / 1024:.1f}",
                     _ratio(mem["college"][key], mem["echo"][key])))
    return rows


HEADER = ("", "echo bot", "College Bot", "College/echo")


def format_table(result: dict[str, Any]) -> str:
    rows = [HEADER, *table_rows(result)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join([row[0].ljust(widths[0]), *(cell.rjust(widths[i + 1]) for i, cell in
                                                          enumerate(row[1:]))]))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_lines(result: dict[str, Any]) -> list[str]:
    env, settings = result["environment"], result["settings"]
    lines = [
        f"help turns over loopback: {settings['turns']} per bot and mode (+{settings['warmup']} warm-up), "
        f"Python {env['python']}, botbuilder {env['botbuilder']}, aiohttp {env['aiohttp']}, {env['cpus']} CPUs, "
        f"commit {env['commit'] or '?'}",
    ]
    seq = result["modes"]["sequential"]
    lines.append(f"targets (issue 2 item 17): help p50 within 1.25x echo -> "
                 f"{_ratio(seq['college']['p50_ms'], seq['echo']['p50_ms'])} sequential; "
                 f"start-up under 2 s -> {result['startup_s']['college']['median']:.2f} s")
    for bot, r in result["replies"].items():
        lines.append(f"{LABELS[bot]}: {r['posted']} turns answered, connector received {r['replies']} replies "
                     f"({r['cards']} with an Adaptive Card)")
    load = result["load_average"]
    if max(load["before"], load["after"]) > (env["cpus"] or 1) / 2:
        lines.append(f"NOTE: the machine was busy (1-min load {load['before']:.1f} before, {load['after']:.1f} after "
                     f"on {env['cpus']} CPUs): numbers are noisier than usual")
    if result["timed_out"]:
        lines.append("WARNING: --max-seconds reached, some turns were not sent")
    for mode, by_bot in result["errors"].items():
        for bot, errors in by_bot.items():
            lines.append(f"WARNING: {LABELS[bot]} {mode} errors: {errors}")
    return lines


def markdown(result: dict[str, Any]) -> str:
    rows = [HEADER, *table_rows(result)]
    out = [f"# Benchmark: `help` latency (bench/help_latency.py, {result['when']})", "",
           f"Command: `{result['command'].strip()}`", ""]
    out.append("| " + " | ".join(rows[0]) + " |")
    out.append("|---|---:|---:|---:|")
    out.extend("| " + " | ".join(row) + " |" for row in rows[1:])
    out.append("")
    out.extend(f"- {line}" for line in summary_lines(result))
    return "\n".join(out) + "\n"


def check(result: dict[str, Any]) -> list[str]:
    """What makes the run itself invalid (not slow: wrong)."""
    problems = []
    for mode, by_bot in result["errors"].items():
        problems.extend(f"{bot} {mode}: {errors}" for bot, errors in by_bot.items())
    for bot, r in result["replies"].items():
        if r["replies"] < r["posted"]:
            problems.append(f"{bot}: {r['posted']} turns but only {r['replies']} replies reached the connector")
    if result["replies"]["college"]["cards"] < result["replies"]["college"]["posted"]:
        problems.append("College Bot answered help without an Adaptive Card")
    return problems


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.help_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=400, help="measured turns per bot and mode (default 400)")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent conversations (default 20)")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up turns per bot (default 50)")
    parser.add_argument("--starts", type=int, default=5, help="start-ups measured per bot (default 5)")
    parser.add_argument("--max-seconds", type=float, default=120, help="stop sending turns after this (default 120)")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where latest.json/.md go")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (bot logs, database)")
    args = parser.parse_args(argv)
    if not 1 <= args.turns <= MAX_TURNS:
        parser.error(f"--turns must be 1..{MAX_TURNS}")
    if not 1 <= args.concurrency <= 200:
        parser.error("--concurrency must be 1..200")
    if not 1 <= args.starts <= 20:
        parser.error("--starts must be 1..20")
    if not 0 <= args.warmup <= 2000:
        parser.error("--warmup must be 0..2000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="college-bench-"))
    began = time.perf_counter()
    try:
        result = asyncio.run(run(args, workdir))
    except RuntimeError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        args.keep = True
        return 1
    finally:
        if args.keep:
            print(f"scratch folder kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result["run_seconds"] = round(time.perf_counter() - began, 1)

    print(format_table(result))
    print()
    for line in summary_lines(result):
        print(line)
    print(f"whole run: {result['run_seconds']} s")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out_dir / "latest.md").write_text(markdown(result))
    print(f"written: {args.out_dir / 'latest.json'}, {args.out_dir / 'latest.md'}")
    problems = check(result)
    for problem in problems:
        print(f"INVALID RUN: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
