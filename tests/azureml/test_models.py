"""models and model through the HTTP harness against the sandbox's Azure ML: the real azure-ai-ml, azure-identity
and azure-storage-blob over HTTPS, real onnxruntime checks in a child process, results kept by sha256."""

from __future__ import annotations

import asyncio

import pytest

from bot.isolation import IsolatedRunner
from cards import verbs
from tests.azureml.conftest import services_of
from tests.harness.cards import card_actions, card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (fixtures: step-by-step pacing)


def text_of(card: dict) -> str:
    return " ".join(card_texts(card)).replace("\\", "")


def downloads(azureml_sandbox, since: int) -> list[dict]:
    """Downloads of a version's files: each starts by listing its folder in the blob store (the file itself comes
    in several ranged reads)."""
    return [r for r in azureml_sandbox.control.requests(since)
            if r["origin"] == "blob" and r["method"] == "GET" and "comp=list" in r["query"]]


class CountingRunner(IsolatedRunner):
    """The real runner, counting the checks it runs."""

    runs = 0

    async def run(self, fn, *args, limits=None):
        CountingRunner.runs += 1
        return await super().run(fn, *args, limits=limits)


async def test_models_lists_each_model_with_its_newest_version_and_its_verdict(ml_bot, azureml_sandbox):
    card = await ml_bot.ask("models")
    text = text_of(card)
    assert "2 registered model(s) in workspace college-aml" in text
    assert "**TinyYOLO** · version 3 · ❌ fails its test data" in text
    assert "**TinyResNet** · version 2 · ⚠️ cannot run" in text
    assert "registered by Bob Builder" in text
    assert "p50" in text
    assert {a["title"] for a in card_actions(card)} >= {"Open TinyYOLO", "Open TinyResNet"}


async def test_a_failing_version_shows_why_and_what_changed_against_the_previous(ml_bot):
    text = text_of(await ml_bot.ask("model TinyYOLO 3"))
    assert "TinyYOLO · version 3" in text and "fails its test data" in text
    assert "❌ test_data_set_0: max abs error" in text and "atol 0.001" in text
    assert "Against version 2" in text and "🔻 verdict: pass → fail" in text
    assert "image" in text and "grid" in text and "onnxruntime 1.32" in text and "p50" in text
    assert "sha256" in text


async def test_asking_again_answers_from_the_store_without_a_new_check(ml_bot, azureml_sandbox):
    services = services_of(ml_bot)
    services.isolation = CountingRunner()
    CountingRunner.runs = 0
    first = text_of(await ml_bot.ask("model TinyYOLO 2"))
    runs = CountingRunner.runs
    since = azureml_sandbox.control.last_seq()
    again = text_of(await ml_bot.ask("model TinyYOLO 2"))
    assert "passes its test data" in first and first.split("Registered")[0] == again.split("Registered")[0]
    assert runs >= 1 and CountingRunner.runs == runs  # no new check
    assert downloads(azureml_sandbox, since) == []  # and no download


async def test_two_people_asking_at_once_share_one_check(ml_bot, azureml_sandbox):
    services = services_of(ml_bot)
    services.isolation = CountingRunner()
    CountingRunner.runs = 0
    since = azureml_sandbox.control.last_seq()
    await asyncio.gather(ml_bot.say("model TinyYOLO 1"), ml_bot.say("model TinyYOLO 1", who="bob"))
    answers = {s.conversation_id: s.card for s in ml_bot.connector.sent if s.cards}
    assert len(answers) == 2 and all("passes its test data" in text_of(c) for c in answers.values())
    assert CountingRunner.runs == 1 and len(downloads(azureml_sandbox, since)) == 1


async def test_a_slow_check_shows_a_progress_card_that_becomes_the_result(ml_bot, pacing):
    pacing.slow_turns = True
    pacing.ready = lambda card: True
    (progress,) = await ml_bot.say("model TinyResNet 1")
    assert "Working on model" in text_of(progress.card) or "checking" in text_of(progress.card)
    await services_of(ml_bot).background.wait_idle(timeout=120)
    updates = [s for s in ml_bot.connector.sent if s.kind == "update" and s.activity_id == progress.activity_id]
    assert updates and "no test data" in text_of(updates[-1].card)


async def test_the_list_pages_and_opens_a_model(ml_bot):
    card = await ml_bot.ask("models")
    opened = next(a for a in card_actions(card) if a["title"] == "Open TinyYOLO")
    status, detail = await ml_bot.click(verbs.MODEL_SHOW, opened["data"])
    assert status == 200 and "TinyYOLO · version 3" in text_of(detail)


async def test_unknown_model_says_so_with_the_next_step(ml_bot):
    text = text_of(await ml_bot.ask("model NoSuchModel"))
    assert "Not found" in text and "Type models" in text


async def test_a_throttled_workspace_says_when_to_try_again(ml_bot, azureml_sandbox):
    azureml_sandbox.control.add_fault(path_regex="/models", method="GET", status=429, retry_after=40)
    text = text_of(await ml_bot.ask("models"))
    assert "busy" in text and "40 seconds" in text


async def test_without_azure_ml_settings_it_says_what_to_set(teams):
    text = text_of(await teams.ask("models"))
    assert "Azure ML is not configured" in text and "AZUREML_CONFIG" in text


# ---- bad models get verdicts, not crashes ---------------------------------------------------------------------------
async def readyz(teams) -> int:
    response = await teams.http.get("/readyz")
    return response.status


async def test_a_model_that_needs_more_memory_than_allowed_is_a_verdict(make_bot, azureml_sandbox):
    teams = await make_bot(**azureml_sandbox.env, BOT_ADMINS="", MODEL_CHECK_MEMORY_MB="64")
    text = text_of(await teams.ask("model TinyYOLO 1"))
    assert "cannot run" in text and "memory" in text.lower()
    assert await readyz(teams) == 200 and "Alice Admin" in text_of(await teams.ask("whoami"))


async def test_a_check_past_its_time_limit_is_a_verdict(make_bot, azureml_sandbox):
    teams = await make_bot(**azureml_sandbox.env, BOT_ADMINS="", MODEL_CHECK_TIMEOUT_S="0.2")
    text = text_of(await teams.ask("model TinyYOLO 2"))
    assert "cannot run" in text and ("time" in text.lower())
    assert await readyz(teams) == 200


async def test_a_download_that_fails_is_a_verdict_that_is_not_kept(ml_bot, azureml_sandbox):
    azureml_sandbox.control.add_fault(path_regex=r"comp=list", method="GET", status=503)
    failed = text_of(await ml_bot.ask("model TinyResNet 1"))
    assert "cannot run" in failed and "could not be downloaded" in failed
    azureml_sandbox.control.clear_faults()
    assert "no test data" in text_of(await ml_bot.ask("model TinyResNet 1"))  # asked again: checked now


async def test_a_corrupt_file_is_a_verdict_with_its_reason(ml_bot):
    text = text_of(await ml_bot.ask("model TinyResNet 2"))
    assert "cannot run" in text and "not a valid ONNX model" in text


# ---- faults on every call the commands make ---------------------------------------------------------------------
CALLS = {  # what `model TinyResNet 1` calls, by the path (and method) a fault singles out
    "version": ("GET", r"/models/TinyResNet/versions/1\?"),
    "versions": ("GET", r"/models/TinyResNet/versions\?"),
    "datastore": ("GET", r"/datastores/workspaceblobstore\?"),
    "secrets": ("POST", r"/listSecrets"),
    "blob list": ("GET", r"comp=list"),
}


@pytest.mark.parametrize("call", list(CALLS))
async def test_a_transient_fault_on_any_call_is_retried(ml_bot, azureml_sandbox, call):
    method, path = CALLS[call]
    azureml_sandbox.control.add_fault(method=method, path_regex=path, status=503, count=1)
    assert "no test data" in text_of(await ml_bot.ask("model TinyResNet 1"))
    assert azureml_sandbox.control.faults() == []  # the fault was met, and the call sent again


@pytest.mark.parametrize("call", ["version", "versions", "datastore", "secrets"])
async def test_a_lasting_fault_on_any_call_is_a_card_with_a_next_step(ml_bot, azureml_sandbox, call):
    method, path = CALLS[call]
    azureml_sandbox.control.add_fault(method=method, path_regex=path, status=429, retry_after=90)
    text = text_of(await ml_bot.ask("model TinyResNet 1"))
    assert ("busy" in text and "90 seconds" in text) or "could not be downloaded" in text, text
    assert "Traceback" not in text
