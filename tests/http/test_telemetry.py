"""Telemetry through the bot's own pipeline (bot.telemetry) with in-memory exporters: a span per turn with the
command and its outcome, command counts, logs exported scrubbed; and, without APPLICATIONINSIGHTS_CONNECTION_STRING,
nothing configured at all (checked in a process of its own)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import telemetry
from tests import telemetry_fixtures

ROOT = Path(__file__).resolve().parents[2]
TOKEN_TYPED = "ghp_" + "Q7x" * 12  # a GitHub token's shape, pasted into a chat


telemetry_bot = telemetry_fixtures.telemetry_bot


async def test_a_turn_is_one_span_with_its_command_outcome_and_correlation_id(telemetry_bot):
    teams = await telemetry_bot()
    await teams.ask("help")
    [turn] = teams.telemetry.spans("turn")
    attributes = dict(turn.attributes)
    assert attributes["activity_type"] == "message"
    assert attributes["command"] == "help"
    assert attributes["outcome"] == "ok"
    assert len(attributes["correlation_id"]) == 12
    assert teams.telemetry.total(telemetry.COMMANDS, command="help", outcome="ok") == 1


async def test_commands_are_counted_by_name_and_outcome(telemetry_bot):
    teams = await telemetry_bot()
    await teams.ask("help")
    await teams.ask("help")
    await teams.ask("no-such-command")
    assert teams.telemetry.total(telemetry.COMMANDS, command="help", outcome="ok") == 2
    assert teams.telemetry.total(telemetry.COMMANDS, command="(unknown)", outcome="unknown") == 1
    assert [dict(s.attributes)["command"] for s in teams.telemetry.spans("turn")] == ["help", "help", "(unknown)"]


async def test_a_token_typed_in_a_command_is_in_no_attribute_and_no_exported_log(telemetry_bot):
    teams = await telemetry_bot()
    await teams.ask(f"{TOKEN_TYPED} please")  # unknown command: its first word is logged ("typed")
    await teams.ask(f"help {TOKEN_TYPED}")
    captured = teams.telemetry
    unknown = [r for r in captured.logs() if r.body == "unknown command"]
    assert unknown, "the log record naming what was typed is exported (scrubbed)"
    assert "ghp_" not in str(dict(unknown[0].attributes))
    assert [t for t in captured.every_exported_text() if "Q7xQ7x" in t] == []


async def test_configured_secrets_never_reach_an_exported_log(telemetry_bot):
    pat = "pat-value-that-must-not-leave-the-process"
    teams = await telemetry_bot(AZURE_DEVOPS_ORG_URL="http://127.0.0.1:9/college", AZURE_DEVOPS_PAT=pat)
    logging.getLogger("bot.somewhere").warning("calling with %s", pat, extra={"auth": f"Basic :{pat}"})
    await teams.ask("help")
    texts = teams.telemetry.every_exported_text()
    assert any("calling with" in t for t in texts)
    assert [t for t in texts if pat in t] == []


def test_attributes_are_bounded_and_scrubbed():
    cleaned = telemetry.clean({"what": "x" * 1000, "url": "https://user:secret-token@dev.azure.com/org?sig=abc123",
                               "n": 3, "ok": True, "none": None, "obj": object()})
    assert len(cleaned["what"]) == telemetry.MAX_VALUE
    assert "secret-token" not in cleaned["url"] and "abc123" not in cleaned["url"]
    assert cleaned["n"] == 3 and cleaned["ok"] is True and "none" not in cleaned and cleaned["obj"] == "object"
    assert len(telemetry.clean({f"k{i}": i for i in range(100)})) == telemetry.MAX_ATTRIBUTES


@pytest.mark.parametrize(("what", "expected"), [
    ("list repositories", "list repositories"),
    ("read release 7", "read release"),
    ("read TinyYOLO 3", "read"),
    ("list the versions of tinyyolo", "list the versions"),
    ("test service connection ghp_abcdefghijklmnopqrstuvwxyz", "test service connection"),
    ("read the model's datastore", "read the model's datastore"),
    ("", "call"),
])
def test_a_calls_operation_keeps_no_names_or_numbers(what, expected):
    assert telemetry.operation(what) == expected


def test_helpers_do_nothing_while_telemetry_is_off():
    assert not telemetry.enabled()
    with telemetry.span("anything", what="x") as span:
        span.set(status=200)
        telemetry.count(telemetry.COMMANDS, command="help")
        telemetry.record(telemetry.MODEL_CHECK_DURATION, 1.0)
        telemetry.annotate(command="help")


_WITHOUT = r"""
import asyncio, json, sys, threading
from aiohttp.test_utils import TestClient, TestServer
sys.path.insert(0, sys.argv[1])
from tests.harness.netwatch import watching
from app import create_app
from bot.settings import load_settings
import pytest

from bot import telemetry

async def main():
    threads = {t.name for t in threading.enumerate()}
    with watching() as net:
        settings = load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True,
                                 STORE_URL="sqlite:///./bot.db")
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
            health = (await client.get("/healthz")).status
            activity = {"type": "message", "id": "1", "text": "help", "channelId": "msteams",
                        "serviceUrl": "http://127.0.0.1:9/", "from": {"id": "29:a", "aadObjectId": "a"},
                        "recipient": {"id": "28:bot"}, "conversation": {"id": "c", "conversationType": "personal"}}
            turn = (await client.post("/api/messages", json=activity)).status
    print(json.dumps({"health": health, "turn": turn, "enabled": telemetry.enabled(),
                      "otel": sorted(m for m in sys.modules if m.startswith(("opentelemetry", "azure.monitor"))),
                      "new_threads": sorted({t.name for t in threading.enumerate()} - threads),
                      "elsewhere": net.elsewhere()}))

asyncio.run(main())
"""


def test_without_the_connection_string_nothing_is_configured_imported_started_or_sent(tmp_path):
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "AZURE_DEVOPS_CACHE_DIR")}
    done = subprocess.run([sys.executable, "-c", _WITHOUT, str(ROOT)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["health"] == 200 and seen["turn"] in (200, 201)
    assert seen["enabled"] is False
    assert seen["otel"] == []  # OpenTelemetry and the Azure Monitor exporter are not even imported
    assert [t for t in seen["new_threads"] if "export" in t.lower() or "otel" in t.lower()] == []
    assert seen["elsewhere"] == []


_WITH = r"""
import asyncio, json, logging, sys, threading
from aiohttp.test_utils import TestClient, TestServer
sys.path.insert(0, sys.argv[1])
from tests.harness.netwatch import watching
from app import create_app
from bot.logging_setup import configure_logging
from bot.settings import load_settings
import pytest

from bot import telemetry

connection_string, connector_url, pat, typed = sys.argv[2:6]

async def main():
    with watching() as net:
        settings = load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True,
                                 STORE_URL="sqlite:///./bot.db",
                                 APPLICATIONINSIGHTS_CONNECTION_STRING=connection_string,
                                 AZURE_DEVOPS_ORG_URL="http://127.0.0.1:9/college", AZURE_DEVOPS_PAT=pat)
        configure_logging("INFO", settings.secrets())
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
            for text in ("help", typed):
                activity = {"type": "message", "id": text[:8], "text": text, "channelId": "msteams",
                            "serviceUrl": connector_url, "from": {"id": "29:a", "aadObjectId": "a"},
                            "recipient": {"id": "28:bot"}, "conversation": {"id": "c", "conversationType": "personal"}}
                assert (await client.post("/api/messages", json=activity)).status in (200, 201)
            logging.getLogger("bot.somewhere").warning("calling with %s", pat)
        telemetry.flush()
    print(json.dumps({"enabled": telemetry.enabled(), "elsewhere": net.elsewhere()}))

asyncio.run(main())
"""


async def test_with_the_connection_string_spans_metrics_and_logs_reach_azure_monitor_scrubbed(tmp_path, connector):
    from bench.ingestion_sink import IngestionSink

    sink = IngestionSink(keep=True)
    await sink.start()
    pat = "pat-value-that-must-not-leave-the-process"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "AZURE_DEVOPS_CACHE_DIR")}
    # every trace (the distro's default samples at most 5 traces a second, and two turns come at once here)
    env.update(OTEL_TRACES_SAMPLER="microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG="1.0")
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _WITH, str(ROOT), sink.connection_string, connector.url, pat,
            f"{TOKEN_TYPED} please", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    finally:
        await sink.stop()
    assert process.returncode == 0, err.decode(errors="replace")[-3000:]
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen["enabled"] is True
    assert seen["elsewhere"] == []  # only the loopback ingestion endpoint: no statsbeat, no remote configuration
    names = sink.names()
    assert names.count("turn") == 2, names
    assert telemetry.COMMANDS in names
    assert "calling with ***" in names
    everything = "\n".join(sink.bodies)
    assert pat not in everything and "Q7xQ7x" not in everything


async def test_teams_throttling_the_reply_is_counted(telemetry_bot):
    teams = await telemetry_bot()
    teams.connector.fail_next = [429, 503]
    await teams.ask("help")
    assert teams.telemetry.total(telemetry.THROTTLED, backend="teams") == 1
    assert dict(teams.telemetry.spans("turn")[0].attributes)["outcome"] == "ok"


async def test_an_unexpected_error_is_a_failed_turn_with_its_type_and_the_apology_s_id(telemetry_bot, monkeypatch):
    from bot.commands import general
    from tests.harness.cards import card_texts

    def explode(*args, **kwargs):
        raise RuntimeError("database password=hunter2 leaked in an exception")

    monkeypatch.setattr(general, "whoami_card", explode)
    teams = await telemetry_bot()
    card = await teams.ask("whoami")
    correlation_id = " ".join(card_texts(card)).split("**")[-2]
    captured = teams.telemetry
    [turn] = captured.spans("turn")
    attributes = dict(turn.attributes)
    assert attributes["outcome"] == "error" and attributes["error.type"] == "RuntimeError"
    assert attributes["correlation_id"] == correlation_id and attributes["command"] == "whoami"
    assert turn.status.status_code.name == "ERROR" and not turn.status.description and not turn.events
    assert captured.total(telemetry.ERRORS, kind="RuntimeError", where="turn") == 1
    assert captured.total(telemetry.COMMANDS, command="whoami", outcome="error") == 1
    [logged] = [r for r in captured.logs() if r.body == "unexpected error in turn"]
    assert "RuntimeError" in str(dict(logged.attributes))  # the stack is in the logs, scrubbed
    assert [t for t in captured.every_exported_text() if "hunter2" in t] == []
