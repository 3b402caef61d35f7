"""Telemetry against the sandbox's Azure ML and Azure DevOps, captured in memory (tests/telemetry_fixtures.py):
Azure ML call spans in the turn's trace, model check durations by verdict, digest deliveries and service hook event
deliveries by outcome, and the hook's secret in nothing exported."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot import telemetry
from bot.settings import load_settings
from tests.azureml.test_digest import _scheduled, runtime_of
from tests.azureml.test_service_hooks import (
    SECRET,
    basic,
    event,
    hooks_bot,  # noqa: F401  (a fixture)
    known_subscription,
    post,
    settled,
)
from tests.telemetry_fixtures import capture


@pytest.fixture
def captured(azureml_sandbox, caplog, tmp_path):
    """Telemetry on, in memory, with the secrets the bot will have (configured before the bot starts, which keeps
    it)."""
    caplog.set_level(logging.INFO)
    settings = load_settings(_env_file=None, **{**azureml_sandbox.env, "OAUTH_CONNECTION_NAME": ""},
                             DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True, STORE_URL=f"sqlite:///{tmp_path}/t.db")
    yield capture(settings)
    telemetry.reset()


@pytest.fixture
async def ml(captured, make_bot, azureml_sandbox):
    teams = await make_bot(**{**azureml_sandbox.env, "OAUTH_CONNECTION_NAME": ""}, BOT_ADMINS="")
    teams.telemetry = captured
    return teams


@pytest.fixture
async def hooks(captured, hooks_bot):  # noqa: F811
    hooks_bot.telemetry = captured
    return hooks_bot


async def test_azure_ml_calls_are_spans_of_the_turn_and_model_checks_are_timed_by_verdict(ml):
    await ml.ask("models")
    await settled(ml)  # a check that outlasts the turn's first answer finishes in the background
    captured = ml.telemetry
    [turn] = captured.spans("turn")
    assert dict(turn.attributes)["command"] == "models"
    calls = captured.spans("azure_ml.call")
    assert calls and all(c.context.trace_id == turn.context.trace_id for c in calls)
    assert any(c.parent.span_id == turn.context.span_id for c in calls)
    assert all(dict(c.attributes)["outcome"] == "ok" for c in calls)
    checks = captured.spans("model_check")
    assert {dict(c.attributes)["model"] for c in checks} == {"TinyYOLO", "TinyResNet"}
    assert all(c.context.trace_id == turn.context.trace_id for c in checks)
    durations = {p.attributes["verdict"]: p for p in captured.points(telemetry.MODEL_CHECK_DURATION)}
    assert set(durations) == {"fail", "cannot_run"}
    assert all(p.value >= 1 and p.total > 0 for p in durations.values())
    assert captured.total(telemetry.BACKEND_CALLS, backend="azure_ml", outcome="ok") == len(calls)


async def test_digest_deliveries_are_counted_by_result(ml):
    when = await _scheduled(ml, "bob")
    await _scheduled(ml, "carol")
    ml.connector.refuse["a:personal-bob"] = 403
    outcomes = dict(await runtime_of(ml).scheduler.tick(when))
    assert outcomes["a:personal-bob"].result == "gone" and outcomes["a:personal-carol"].sent
    captured = ml.telemetry
    assert captured.total(telemetry.DIGEST_DELIVERIES, result="sent") == 1
    assert captured.total(telemetry.DIGEST_DELIVERIES, result="gone", status=403) == 1
    assert await runtime_of(ml).scheduler.tick(when + timedelta(minutes=5)) == []
    assert captured.total(telemetry.DIGEST_DELIVERIES) == 2


async def test_service_hook_deliveries_are_counted_by_outcome_and_the_secret_is_in_nothing(hooks, monkeypatch):
    subscription_id, devops_ids = await known_subscription(hooks, monkeypatch)
    for _ in range(2):
        assert await post(hooks, event(devops_ids[0]), basic(subscription_id, SECRET)) == 200
    assert await post(hooks, event(devops_ids[0]), basic(subscription_id, "not-the-secret-xyz")) == 401
    assert await post(hooks, b"not json", basic(subscription_id, SECRET)) == 400
    await settled(hooks)
    captured = hooks.telemetry
    assert captured.total(telemetry.EVENT_DELIVERIES, result="sent") == 1
    assert captured.total(telemetry.EVENT_DELIVERIES, result="duplicate") == 1
    assert captured.total(telemetry.EVENT_DELIVERIES, result="refused") == 1
    assert captured.total(telemetry.EVENT_DELIVERIES, result="rejected") == 1
    texts = captured.every_exported_text()
    assert [t for t in texts if SECRET in t or "not-the-secret-xyz" in t] == []
