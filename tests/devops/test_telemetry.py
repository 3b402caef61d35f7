"""Telemetry of a turn against the sandbox's Azure DevOps (real SDK over HTTP), captured in memory: the turn's span
with the Azure DevOps call spans as its children, a 429 the sandbox injects counted as throttling, the PAT in no
attribute and no exported log."""

from __future__ import annotations

import pytest

from bot import telemetry
from tests import telemetry_fixtures
from tests.devops.conftest import RecordingSleep, devops_of

telemetry_bot = telemetry_fixtures.telemetry_bot


@pytest.fixture
async def devops_telemetry_bot(telemetry_bot, devops_sandbox):
    teams = await telemetry_bot(**devops_sandbox.env, BOT_ADMINS="")
    sleep = RecordingSleep()
    devops_of(teams).policy.sleep = sleep
    teams.sleeps = sleep
    return teams


def calls_of(captured, turn):
    return [s for s in captured.spans("azure_devops.call")
            if s.context.trace_id == turn.context.trace_id]


async def test_the_turn_span_has_the_azure_devops_calls_as_children(devops_telemetry_bot):
    teams = devops_telemetry_bot
    await teams.ask("repos")
    captured = teams.telemetry
    [turn] = captured.spans("turn")
    assert dict(turn.attributes)["command"] == "repos" and dict(turn.attributes)["outcome"] == "ok"
    calls = calls_of(captured, turn)
    assert calls, "the command's Azure DevOps calls are spans of the turn's trace"
    assert all(c.parent is not None and c.parent.span_id == turn.context.span_id for c in calls)
    assert all(dict(c.attributes)["outcome"] == "ok" and dict(c.attributes)["attempts"] == 1 for c in calls)
    assert "list repositories" in {dict(c.attributes)["operation"] for c in calls}
    assert captured.total(telemetry.BACKEND_CALLS, backend="azure_devops", outcome="ok") == len(calls)
    assert captured.total(telemetry.COMMANDS, command="repos", outcome="ok") == 1
    assert captured.total(telemetry.THROTTLED) == 0


async def test_a_429_shows_as_throttling_on_the_call_span_and_in_the_metrics(devops_telemetry_bot, devops_sandbox):
    teams = devops_telemetry_bot
    devops_sandbox.add_fault(path_regex="git/repositories", method="GET", status=429, retry_after=2, count=1)
    await teams.ask("repos")
    assert 2.0 in teams.sleeps.waits
    captured = teams.telemetry
    throttled = [s for s in captured.spans("azure_devops.call") if dict(s.attributes).get("throttled")]
    assert len(throttled) == 1
    attributes = dict(throttled[0].attributes)
    assert attributes["throttled"] == 1 and attributes["attempts"] == 2 and attributes["outcome"] == "ok"
    [point] = captured.points(telemetry.THROTTLED)
    assert point.value == 1 and point.attributes["backend"] == "azure_devops"


async def test_a_call_that_gives_up_is_a_failed_span_and_an_error_count(devops_telemetry_bot, devops_sandbox):
    teams = devops_telemetry_bot
    devops_sandbox.add_fault(path_regex="git/repositories", method="GET", status=429, retry_after=120)
    await teams.ask("repos")
    captured = teams.telemetry
    [failed] = [s for s in captured.spans("azure_devops.call") if dict(s.attributes)["outcome"] != "ok"]
    assert dict(failed.attributes)["status"] == 429 and dict(failed.attributes)["throttled"] == 1
    assert failed.status.status_code.name == "ERROR" and not failed.status.description
    assert captured.total(telemetry.COMMANDS, command="repos", outcome="failed") == 1
    assert captured.total(telemetry.ERRORS, where="command") == 1


async def test_the_pat_is_in_no_attribute_and_no_exported_log(devops_telemetry_bot, devops_sandbox):
    teams = devops_telemetry_bot
    pat = devops_sandbox.env["AZURE_DEVOPS_PAT"]
    devops_sandbox.add_fault(path_regex="git/repositories", method="GET", status=503, count=1)
    await teams.ask("repos")
    await teams.ask(f"repo create {pat}")
    texts = teams.telemetry.every_exported_text()
    assert any("retrying" in t for t in texts), "the retry's warning is exported"
    assert [t for t in texts if pat in t] == []
