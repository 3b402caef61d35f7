"""Where a College Bot `help` turn spends its time: an instrumented run, for when bench/help_latency.py looks slow.

    python -m bench.turn_breakdown                 # 300 sequential help turns
    python -m bench.turn_breakdown --msrest-fix    # the same with msrest's ClientRetryPolicy patched (what-if)

Runs College Bot in this process (create_app on a free loopback port, local mode, a scratch SQLite file,
JSON logs to a scratch file) against the connector stand-in (bench/connector_server.py, its own process),
and wraps, here only, the functions a turn goes through with timers: the SDK's per-turn client
construction, the inbound authentication, de-duplication, state load/save, role lookup, parsing, dispatch and
card building, the reply POST, JSON logging, plus garbage-collector pauses. Turns are sequential so every
timer belongs to exactly one turn. Prints, per component, calls and mean/p99 microseconds per turn and the
share of the server-side turn, then what the slowest turns spent their time on. Numbers only.

`--msrest-fix` applies the one-line change suggested for bot/http_edge.py
(`ClientRetryPolicy.safe_codes = frozenset(...)`) to show its effect without touching bot/.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import inspect
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/turn_breakdown.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession, web

from bench.help_latency import ROOT, Conversations, bot_env, load_people, spawn_connector

# (label, depth, "module:Class.attr" or "module:function"); depth only indents the report.
TARGETS: list[tuple[str, int, str]] = [
    ("server turn: EdgeAdapter.process", 0, "bot.http_edge:EdgeAdapter.process"),
    ("inbound authentication (auth off)", 1,
     "botbuilder.integration.aiohttp.configuration_bot_framework_authentication:"
     "ConfigurationBotFrameworkAuthentication.authenticate_request"),
    ("CloudAdapterBase.process_activity", 1, "botbuilder.core.cloud_adapter_base:CloudAdapterBase.process_activity"),
    ("SDK: ConnectorClient built per turn", 2,
     "botframework.connector.auth._connector_factory_impl:_ConnectorFactoryImpl.create"),
    ("SDK: UserTokenClient built per turn (unused)", 2,
     "botbuilder.integration.aiohttp.configuration_bot_framework_authentication:"
     "ConfigurationBotFrameworkAuthentication.create_user_token_client"),
    ("msrest ClientRetryPolicy() (in both clients)", 3, "msrest.universal_http.requests:ClientRetryPolicy.__init__"),
    ("CollegeBot.on_turn", 2, "bot.teams_edge:CollegeBot.on_turn"),
    ("_admit (echo, tenant, de-dup)", 3, "bot.teams_edge:CollegeBot._admit"),
    ("SQLite de-dup write: first_sighting", 4, "bot.store.sqlite:SqliteStore.first_sighting"),
    ("conversation reference: _remember", 3, "bot.teams_edge:CollegeBot._remember"),
    ("parsing: normalise", 3, "bot.teams_edge:normalise"),
    ("building the Turn (incl. roles)", 3, "bot.teams_edge:CollegeBot._turn"),
    ("role lookup: Policy.roles_for", 4, "bot.policy:Policy.roles_for"),
    ("dialog context (loads state)", 3, "botbuilder.dialogs.dialog_set:DialogSet.create_context"),
    ("state load: BotState.load", 4, "botbuilder.core.bot_state:BotState.load"),
    ("SQLite read_state", 5, "bot.store.sqlite:SqliteStore.read_state"),
    ("dispatch: run_command", 3, "bot.dispatch:run_command"),
    ("card building: help_card", 4, "bot.commands.general:help_card"),
    ("reply: Reply -> Activity (CardFactory)", 3, "bot.teams_edge:reply_activity"),
    ("reply POST: TurnContext.send_activity", 3, "botbuilder.core.turn_context:TurnContext.send_activity"),
    ("msrest serialise + requests send (thread)", 4,
     "msrest.pipeline.async_requests:AsyncPipelineRequestsHTTPSender.send"),
    ("state save: BotState.save_changes", 3, "botbuilder.core.bot_state:BotState.save_changes"),
    ("SQLite write_state", 4, "bot.store.sqlite:SqliteStore.write_state"),
    ("JSON logging: JsonFormatter.format", 1, "bot.logging_setup:JsonFormatter.format"),
]
GC_LABEL = "garbage collector pauses"


class Timers:
    """Per-turn accumulators: label -> [seconds, calls]. Only one turn runs at a time."""

    def __init__(self) -> None:
        self.turn: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        self.turns: list[dict[str, list[float]]] = []
        self._gc_started = 0.0

    def add(self, label: str, seconds: float) -> None:
        slot = self.turn[label]
        slot[0] += seconds
        slot[1] += 1

    def next_turn(self) -> None:
        self.turns.append(self.turn)
        self.turn = defaultdict(lambda: [0.0, 0])

    def discard_turn(self) -> None:
        self.turn = defaultdict(lambda: [0.0, 0])

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.add(GC_LABEL, time.perf_counter() - self._gc_started)


def _resolve(spec: str) -> tuple[Any, str]:
    module_name, _, path = spec.partition(":")
    owner: Any = __import__(module_name, fromlist=["_"])
    *parents, attr = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, attr


def instrument(timers: Timers, label: str, spec: str) -> None:
    owner, attr = _resolve(spec)
    raw = inspect.getattr_static(owner, attr)
    static = isinstance(raw, staticmethod)
    func: Callable[..., Any] = raw.__func__ if static else raw

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await func(*args, **kwargs)
            finally:
                timers.add(label, time.perf_counter() - started)
    else:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                timers.add(label, time.perf_counter() - started)

    setattr(owner, attr, staticmethod(wrapper) if static else wrapper)


def apply_msrest_fix() -> None:
    from msrest.universal_http.requests import ClientRetryPolicy

    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


async def drive(args: argparse.Namespace, workdir: Path, timers: Timers) -> float:
    os.environ.update(bot_env(0, f"sqlite:///{workdir}/breakdown.db"))
    os.chdir(workdir)  # no developer .env
    from app import create_app
    from bot.logging_setup import configure_logging
    from bot.settings import load_settings

    settings = load_settings()
    log_stream = (workdir / "college.log").open("w")
    configure_logging(settings.log_level, settings.secrets(), stream=log_stream)
    if args.msrest_fix:
        apply_msrest_fix()
    for label, _, spec in TARGETS:
        instrument(timers, label, spec)

    connector = spawn_connector(workdir)
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"
    team, people = load_people()
    conversations = Conversations(f"http://127.0.0.1:{connector.port}", team, people)
    gc.callbacks.append(timers.on_gc)
    deadline = time.monotonic() + args.max_seconds
    try:
        async with ClientSession() as session:
            for n in range(args.warmup + args.turns):
                if time.monotonic() > deadline:
                    break
                async with session.post(url, data=conversations.help_body("college", 0),
                                        headers={"Content-Type": "application/json"}) as response:
                    await response.read()
                    if response.status not in (200, 201):
                        raise RuntimeError(f"HTTP {response.status}; see {workdir / 'college.log'}")
                if n < args.warmup:
                    timers.discard_turn()
                else:
                    timers.next_turn()
    finally:
        gc.callbacks.remove(timers.on_gc)
        await runner.cleanup()
        connector.stop()
        log_stream.close()
    return time.monotonic()


def report(timers: Timers, msrest_fix: bool) -> str:
    turns = timers.turns
    n = len(turns)
    total_label = TARGETS[0][0]
    totals = sorted(t[total_label][0] for t in turns)
    mean_total = statistics.fmean(totals)

    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return values[max(0, math.ceil(p / 100 * len(values)) - 1)]

    rows = [("component (inclusive; indented = inside the line above)", "calls/turn", "mean us", "p99 us", "% turn")]
    for label, depth, _ in [*TARGETS, (GC_LABEL, 1, "")]:
        values = [t[label][0] if label in t else 0.0 for t in turns]
        calls = sum(t[label][1] if label in t else 0 for t in turns) / n
        mean = statistics.fmean(values)
        rows.append(("  " * depth + label, f"{calls:.2f}", f"{mean * 1e6:.0f}", f"{pct(values, 99) * 1e6:.0f}",
                     f"{mean / mean_total * 100:.1f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"College Bot help turn, server side, {n} sequential turns"
             f"{' (with the msrest ClientRetryPolicy fix)' if msrest_fix else ''}:",
             f"server turn p50 {pct(totals, 50) * 1e3:.2f} ms, p99 {pct(totals, 99) * 1e3:.2f} ms, "
             f"mean {mean_total * 1e3:.2f} ms", ""]
    for i, row in enumerate(rows):
        lines.append("  ".join([row[0].ljust(widths[0]), *(c.rjust(widths[j + 1]) for j, c in enumerate(row[1:]))]))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))

    slow = sorted(turns, key=lambda t: t[total_label][0], reverse=True)[:max(1, n // 100)]
    lines += ["", f"slowest {len(slow)} turn(s) (the p99 tail), leaf components over 1 ms:"]
    leaves = {label for label, depth, _ in TARGETS if depth >= 2} | {GC_LABEL}
    for turn in slow:
        parts = sorted(((label, v[0]) for label, v in turn.items() if label in leaves and v[0] > 0.001),
                       key=lambda kv: kv[1], reverse=True)
        lines.append(f"  {turn[total_label][0] * 1e3:7.2f} ms: " + "; ".join(f"{k} {v * 1e3:.1f} ms" for k, v in parts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.turn_breakdown", description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=300, help="measured sequential turns (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up turns (default 30)")
    parser.add_argument("--max-seconds", type=float, default=60, help="stop sending turns after this")
    parser.add_argument("--msrest-fix", action="store_true", help="what-if: patch msrest's ClientRetryPolicy")
    parser.add_argument("--json", type=Path, help="also write the per-component means here")
    args = parser.parse_args(argv)
    if not 1 <= args.turns <= 20_000 or not 0 <= args.warmup <= 2000:
        parser.error("--turns must be 1..20000 and --warmup 0..2000")

    timers = Timers()
    workdir = Path(tempfile.mkdtemp(prefix="college-breakdown-"))
    cwd = Path.cwd()
    try:
        asyncio.run(drive(args, workdir, timers))
    finally:
        os.chdir(cwd)
        shutil.rmtree(workdir, ignore_errors=True)
    if not timers.turns:
        print("no turns measured", file=sys.stderr)
        return 1
    print(report(timers, args.msrest_fix))
    if args.json:
        means = {label: statistics.fmean(t[label][0] if label in t else 0.0 for t in timers.turns) * 1e6
                 for label, _, _ in [*TARGETS, (GC_LABEL, 0, "")]}
        args.json.write_text(json.dumps({"turns": len(timers.turns), "msrest_fix": args.msrest_fix,
                                         "mean_us": means, "root": str(ROOT)}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
