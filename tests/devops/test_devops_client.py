"""DevOpsClient against the sandbox: threads, retries (ours, not msrest's), error mapping, raw sends, roles."""

from __future__ import annotations

import pytest

from bot.errors import NotConfigured, NotFound, ServiceUnavailable, UserFacingError
from bot.services.devops.client import to_user_error
from bot.services.retry import Failure
from bot.settings import load_settings
from tests.devops.conftest import RecordingSleep, services_of
from tests.harness.cards import card_texts

GRAPH_USERS = "005e26ec-6b77-4e4f-a986-b3827bf241f5"


@pytest.fixture
async def devops(devops_sandbox):
    from bot.services.devops.client import DevOpsClient

    settings = load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True, **devops_sandbox.env)
    client = DevOpsClient.from_settings(settings)
    client.policy.sleep = RecordingSleep()
    yield client
    await client.close()


def _calls(devops_sandbox, since, needle):
    return [r for r in devops_sandbox.requests(since) if needle in r["path"].lower()]


async def test_a_call_runs_the_sdk_and_maps_404(devops):
    repos = await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)
    assert [r.name for r in repos] == ["aidevcollege"]
    with pytest.raises(NotFound) as caught:
        await devops.call(lambda c: c.git.get_repository("nope", devops.project), idempotent=True)
    assert caught.value.answer.status == 404 and caught.value.answer.type_key == "GitRepositoryNotFoundException"
    assert await devops.find(lambda c: c.git.get_repository("nope", devops.project)) is None


async def test_idempotent_503_is_retried_by_us_once_per_attempt(devops, devops_sandbox):
    await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)  # warm up locations
    since = devops_sandbox.last_seq()
    devops_sandbox.add_fault(path_regex="git/repositories", method="GET", status=503, count=2)
    repos = await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)
    assert repos
    statuses = [r["status"] for r in _calls(devops_sandbox, since, "git/repositories")]
    assert statuses == [503, 503, 200]  # exactly our attempts: msrest's own retries are off
    assert len(devops.policy.sleep.waits) == 2


async def test_429_retry_after_is_honoured(devops, devops_sandbox):
    await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)
    devops_sandbox.add_fault(path_regex="git/repositories", method="GET", status=429, retry_after=3, count=1)
    await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)
    assert devops.policy.sleep.waits == [3.0]


async def test_retry_after_beyond_the_budget_gives_up_with_when_to_try_again(devops, devops_sandbox):
    await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)
    since = devops_sandbox.last_seq()
    devops_sandbox.add_fault(path_regex="git/repositories", method="GET", status=429, retry_after=120)
    with pytest.raises(ServiceUnavailable) as caught:
        await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)
    assert "120 seconds" in caught.value.next_step
    assert len(_calls(devops_sandbox, since, "git/repositories")) == 1
    assert devops.policy.sleep.waits == []


async def test_dropped_connection_and_gateway_pages_are_transient(devops, devops_sandbox):
    await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)
    devops_sandbox.add_fault(path_regex="git/repositories", method="GET", drop=True, count=1)
    devops_sandbox.add_fault(path_regex="git/repositories", method="GET", status=502, count=1)
    assert await devops.call(lambda c: c.git.get_repositories(devops.project), idempotent=True)
    assert len(devops.policy.sleep.waits) == 2


async def test_send_raw_reads_the_continuation_token(devops, devops_sandbox):
    devops_sandbox.reset(page_size=2)
    raw = await devops.send_raw("graph", "GET", GRAPH_USERS, "7.1-preview.1")
    assert raw.status == 200 and len(raw.body["value"]) == 2 and raw.continuation_token
    following = await devops.send_raw("graph", "GET", GRAPH_USERS, "7.1-preview.1",
                                      query={"continuationToken": raw.continuation_token})
    assert following.body["value"][0]["descriptor"] not in {u["descriptor"] for u in raw.body["value"]}


async def test_wrong_pat_is_a_service_error_naming_the_setting(devops_sandbox):
    from bot.services.devops.client import DevOpsClient

    env = {**devops_sandbox.env, "AZURE_DEVOPS_PAT": "x" * 52}
    client = DevOpsClient.from_settings(load_settings(_env_file=None, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=True,
                                                      **env))
    with pytest.raises(ServiceUnavailable) as caught:
        await client.call(lambda c: c.core.get_project(client.project), idempotent=True)
    assert "AZURE_DEVOPS_PAT" in caught.value.next_step
    await client.close()


async def test_without_settings_the_backend_is_not_configured_and_names_them(teams):
    from bot.services.devops.backend import AZURE_DEVOPS

    with pytest.raises(NotConfigured) as caught:
        services_of(teams).client(AZURE_DEVOPS)
    assert "AZURE_DEVOPS_ORG_URL" in caught.value.next_step and "Azure DevOps is not configured" in caught.value.message


async def test_whoami_shows_admin_from_the_devops_team(devops_bot):
    alice = " ".join(card_texts(await devops_bot.ask("whoami")))
    assert "admin from Azure DevOps team admins" in alice
    bob = " ".join(card_texts(await devops_bot.ask("whoami", who="bob")))
    assert "admin from" not in bob


async def test_admin_group_setting_replaces_team_admins(make_bot, devops_sandbox):
    teams = await make_bot(**devops_sandbox.env, BOT_ADMINS="", ADMIN_GROUP="Contributors")
    # Contributors holds the College Team's group, so every team member is an admin through it
    bob = " ".join(card_texts(await teams.ask("whoami", who="bob")))
    assert "admin from Azure DevOps group Contributors" in bob


async def test_readiness_includes_azure_devops(devops_bot):
    response = await devops_bot.http.get("/readyz")
    body = await response.json()
    assert response.status == 200 and body["dependencies"]["azure_devops"]["state"] == "ok"


ALICE = "1ad72e5f-beab-4332-9384-deb085dd5aea"


async def test_admin_lookup_is_cached_and_fails_closed(devops, devops_sandbox):
    from bot.services.devops.roles import DevOpsAdmins

    now = [0.0]
    admins = DevOpsAdmins(devops, ttl_s=60, clock=lambda: now[0])
    devops_sandbox.add_fault(path_regex="teams/.*/members", status=503)
    assert await admins.admin_object_ids() == frozenset()  # no answer, nothing known: nobody is admin
    devops_sandbox.clear_faults()
    since = devops_sandbox.last_seq()
    assert await admins.admin_object_ids() == frozenset()  # a failure is not retried on every turn
    assert devops_sandbox.requests(since) == []
    now[0] += 31
    assert await admins.admin_object_ids() == {ALICE}
    since = devops_sandbox.last_seq()
    now[0] += 30
    assert await admins.admin_object_ids() == {ALICE}  # cached
    assert devops_sandbox.requests(since) == []
    devops_sandbox.add_fault(path_regex="teams/.*/members", status=503)
    now[0] += 61
    assert await admins.admin_object_ids() == {ALICE}  # Azure DevOps down: the last good answer, for a while
    now[0] += 3600
    assert await admins.admin_object_ids() == frozenset()  # too old: fail closed


async def test_unknown_admin_group_gives_nobody_admin(devops):
    from bot.services.devops.roles import DevOpsAdmins

    assert await DevOpsAdmins(devops, "No Such Group").admin_object_ids() == frozenset()


# ---- every expected error says what to do ---------------------------------------------------------------------------
FAILURES = [
    Failure("bad token", status=401, kind="auth"),
    Failure("no Entra token", kind="auth"),
    Failure("timed out", kind="timeout"),
    Failure("dropped", kind="connection"),
    *(Failure(f"HTTP {status}", status=status) for status in (400, 403, 404, 405, 409, 412, 422, 500, 501, 502, 503,
                                                              504)),
    Failure("TF200016: The following project does not exist: Colege.", status=404,
            type_key="ProjectDoesNotExistWithNameException"),
    Failure("throttled", status=429, retry_after=7),
    Failure("throttled", status=429),
    Failure("odd", status=None, kind="http"),
]


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f"{f.kind}-{f.status}-{f.type_key or f.retry_after}")
@pytest.mark.parametrize("what", ["", "create repository"])
def test_every_mapped_error_has_a_next_step(failure, what):
    error = to_user_error(failure, None, what, project="Colege", team="College Team")
    assert isinstance(error, UserFacingError) and error.message and error.next_step.strip()


def test_next_steps_name_the_setting_or_identity_to_check():
    missing = to_user_error(Failure("TF200016: The following project does not exist: Colege.", status=404,
                                    type_key="ProjectDoesNotExistWithNameException"), project="Colege", team="T")
    assert "AZURE_DEVOPS_PROJECT is set to 'Colege'" in missing.next_step and "doctor" in missing.next_step
    other = to_user_error(Failure("not there", status=404), project="College", team="College Team").next_step
    assert "AZURE_DEVOPS_PROJECT ('College')" in other and "AZURE_DEVOPS_TEAM ('College Team')" in other
    forbidden = to_user_error(Failure("denied", status=403), what="create repository").next_step
    assert "AZURE_DEVOPS_PAT" in forbidden and "AZURE_CLIENT_ID" in forbidden and "create repository" in forbidden


@pytest.mark.parametrize("command", ["repos", "team", "connections", "repo create tinyyolo-model"])
async def test_a_wrong_project_says_which_setting_to_fix(make_bot, devops_sandbox, command):
    # Alice is an admin through BOT_ADMINS here, so repo create gets past the role check to Azure DevOps
    teams = await make_bot(**{**devops_sandbox.env, "AZURE_DEVOPS_PROJECT": "Colege"})
    since = devops_sandbox.last_seq()
    text = "\n".join(card_texts(await teams.ask(command)))
    assert "TF200016" in text and "Not found" in text
    assert "Next step:" in text and "AZURE_DEVOPS_PROJECT is set to 'Colege'" in text and "doctor" in text
    assert "Create this repository?" not in text  # nothing to confirm: the project is missing
    assert not [r for r in devops_sandbox.requests(since) if r["method"] not in ("GET", "OPTIONS")]


async def test_when_the_admin_role_cannot_be_checked_the_refusal_says_why(make_bot, devops_sandbox):
    # admins come only from Azure DevOps here, and the project is wrong: nobody's role can be checked
    teams = await make_bot(**{**devops_sandbox.env, "AZURE_DEVOPS_PROJECT": "Colege", "BOT_ADMINS": ""})
    teams_sleeps_instantly(teams)
    since = devops_sandbox.last_seq()
    text = "\n".join(card_texts(await teams.ask("repo create tinyyolo-model")))
    assert "Role not checked" in text and "Azure DevOps team admins" in text and "TF200016" in text
    assert "Next step:" in text and "doctor" in text
    assert "Only the team's admins" not in text
    assert not [r for r in devops_sandbox.requests(since) if r["method"] not in ("GET", "OPTIONS")]


def teams_sleeps_instantly(teams) -> None:
    from tests.devops.conftest import RecordingSleep, devops_of

    devops_of(teams).policy.sleep = RecordingSleep()
