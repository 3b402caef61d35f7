"""repos, repo create, repo import through the HTTP harness against the sandbox."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.store.sqlite import path_from_url
from cards import verbs
from cards.common import escape
from tests.devops.conftest import services_of
from tests.harness.cards import card_actions, card_texts

GITHUB_TOKEN = "ghp_sandboxCollegeBot0000000000000000000"  # sandbox/world/credentials.json


def text_of(card: dict) -> str:
    return " ".join(card_texts(card))


def writes(devops_sandbox, since: int) -> list[dict]:
    return [r for r in devops_sandbox.requests(since) if r["method"] not in ("GET", "OPTIONS", "HEAD")]


def repo_posts(devops_sandbox, since: int) -> list[dict]:
    return [r for r in devops_sandbox.requests(since)
            if r["method"] == "POST" and r["path"].lower().endswith("/git/repositories")]


def repo_names(devops_sandbox) -> list[str]:
    git = devops_sandbox.connection().clients_v7_1.get_git_client()
    return [r.name for r in git.get_repositories(devops_sandbox.project)]


async def ask_and_confirm(teams, command: str, who: str = "alice") -> tuple[dict, dict]:
    """Sends the command, expects a confirmation card, clicks Confirm; returns (question, answer)."""
    sent = await teams.say(command, who=who)
    (message,) = [s for s in sent if s.cards]
    confirm = next(a for a in card_actions(message.card) if a.get("verb") == verbs.CONFIRM)
    status, answer = await teams.click_action(confirm, who=who, card_id=message.activity_id)
    assert status == 200 and answer is not None
    return message.card, answer


def clone_facts(card: dict) -> dict[str, str]:
    found = {}
    for node in _walk(card):
        if node.get("type") == "FactSet":
            found.update({f["title"]: f["value"] for f in node["facts"]})
    return found


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


# repos -----------------------------------------------------------------------------------------------------------
async def test_repos_lists_the_project_repositories(devops_bot):
    card = await devops_bot.ask("repos")
    text = text_of(card)
    assert "Repositories in College" in text and "aidevcollege" in text and "master" in text
    assert "/College/_git/aidevcollege" in text
    assert not [a for a in card_actions(card) if a.get("verb") == verbs.REPOS_MORE]


async def test_many_repositories_are_paged_with_more(devops_bot, devops_sandbox):
    from azure.devops.v7_1.git.models import GitRepositoryCreateOptions

    git = devops_sandbox.connection().clients_v7_1.get_git_client()
    names = [f"model-{i:03d}-{'x' * 40}" for i in range(60)]
    for name in names:
        git.create_repository(GitRepositoryCreateOptions(name=name), devops_sandbox.project)

    card = await devops_bot.ask("repos")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        assert len(json.dumps(card).encode()) < 25 * 1024
        seen += [n for n in [*names, "aidevcollege"] if f"[{n.replace('-', chr(92) + '-')}]" in text_of(card)]
        more = [a for a in card_actions(card) if a.get("verb") == verbs.REPOS_MORE and a["title"].startswith("More")]
        if not more:
            break
        status, card = await devops_bot.click_action(more[0])
        assert status == 200
    assert pages > 1
    assert sorted(seen) == sorted([*names, "aidevcollege"])


# repo create -----------------------------------------------------------------------------------------------------
async def test_repo_create_confirms_then_creates_once(devops_bot, devops_sandbox):
    since = devops_sandbox.last_seq()
    question, answer = await ask_and_confirm(devops_bot, "repo create tinyyolo-model")
    assert "Create this repository?" in text_of(question) and "tinyyolo-model" in text_of(question)
    facts = clone_facts(answer)
    assert facts["Name"] == "tinyyolo-model"
    assert facts["Default branch"].startswith("(none yet")
    assert facts["Clone (HTTPS)"].endswith("/College/_git/tinyyolo-model")
    assert facts["Clone (SSH)"].startswith("git@127.0.0.1:v3/college-org/College/tinyyolo-model")
    (link,) = [a for a in card_actions(answer) if a["type"] == "Action.OpenUrl"]
    assert link["url"].endswith("/College/_git/tinyyolo-model")
    assert "Confirmed by Alice Admin" in text_of(answer)
    assert len(repo_posts(devops_sandbox, since)) == 1
    assert repo_names(devops_sandbox).count("tinyyolo-model") == 1
    # everyone else's view of the card is updated too
    assert devops_bot.connector.sent[-1].kind == "update"


async def test_names_with_spaces_work_and_links_are_encoded(devops_bot, devops_sandbox):
    _, answer = await ask_and_confirm(devops_bot, 'repo create "model training"')
    assert clone_facts(answer)["Name"] == "model training"
    (link,) = [a for a in card_actions(answer) if a["type"] == "Action.OpenUrl"]
    assert link["url"].endswith("/College/_git/model%20training")
    assert "model training" in repo_names(devops_sandbox)


async def test_repo_create_is_refused_for_non_admins_and_nothing_reaches_devops(devops_bot, devops_sandbox):
    await devops_bot.ask("whoami", who="bob")  # the admin lookup (cached) happens on any turn
    since = devops_sandbox.last_seq()
    card = await devops_bot.ask("repo create bobs-repo", who="bob")
    assert "Only the team's admins" in text_of(card)
    import_card = await devops_bot.ask("repo import https://github.com/Azure/aidevcollege", who="bob")
    assert "Only the team's admins" in text_of(import_card)
    assert devops_sandbox.requests(since) == []
    audit = text_of(await devops_bot.ask("audit 10"))
    assert "command.repo.create" in audit and "command.repo.import" in audit and "refused" in audit


async def test_confirm_by_someone_else_is_refused(devops_bot, devops_sandbox):
    sent = await devops_bot.say("repo create alices-repo")
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    since = devops_sandbox.last_seq()
    _, card = await devops_bot.click_action(confirm, who="bob", card_id=sent[0].activity_id)
    assert "only Alice Admin, who asked, can confirm" in text_of(card)
    assert writes(devops_sandbox, since) == []


@pytest.mark.parametrize(("name", "says"), [
    ("_hidden", "must not start with an underscore"),
    ("a/b", "must not contain /"),
    ("dotlast.", "must not end with a period"),
    ("CON", "system reserved name"),
    ("x" * 65, "at most 64 characters"),
])
async def test_invalid_names_are_refused_before_any_call(devops_bot, devops_sandbox, name, says):
    await devops_bot.ask("whoami")
    since = devops_sandbox.last_seq()
    card = await devops_bot.ask(f'repo create "{name}"')
    assert says in text_of(card) and "Check your input" in text_of(card)
    assert devops_sandbox.requests(since) == []


async def test_existing_name_answers_with_a_link(devops_bot):
    card = await devops_bot.ask("repo create aidevcollege")
    text = text_of(card)
    assert "already exists" in text and "/College/_git/aidevcollege)" in text


async def test_name_taken_between_question_and_confirm(devops_bot, devops_sandbox):
    from azure.devops.v7_1.git.models import GitRepositoryCreateOptions

    sent = await devops_bot.say("repo create racing")
    git = devops_sandbox.connection().clients_v7_1.get_git_client()
    git.create_repository(GitRepositoryCreateOptions(name="racing"), devops_sandbox.project)
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    _, card = await devops_bot.click_action(confirm, card_id=sent[0].activity_id)
    assert "already exists" in text_of(card) and "/College/_git/racing)" in text_of(card)
    assert repo_names(devops_sandbox).count("racing") == 1


async def test_injected_429_on_create_honours_retry_after(devops_bot, devops_sandbox):
    sent = await devops_bot.say("repo create throttled")
    devops_sandbox.add_fault(path_regex="/git/repositories$", method="POST", status=429, retry_after=7, count=1)
    since = devops_sandbox.last_seq()
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    _, card = await devops_bot.click_action(confirm, card_id=sent[0].activity_id)
    assert "Created throttled" in text_of(card)
    assert 7.0 in devops_bot.sleeps.waits
    assert [r["status"] for r in repo_posts(devops_sandbox, since)] == [429, 201]
    assert repo_names(devops_sandbox).count("throttled") == 1


async def test_injected_503_on_list_is_retried(devops_bot, devops_sandbox):
    await devops_bot.ask("repos")
    devops_sandbox.add_fault(path_regex="/git/repositories$", method="GET", status=503, count=2)
    since = devops_sandbox.last_seq()
    card = await devops_bot.ask("repos")
    assert "aidevcollege" in text_of(card)
    statuses = [r["status"] for r in devops_sandbox.requests(since) if r["path"].endswith("/git/repositories")]
    assert statuses == [503, 503, 200]


async def test_azure_devops_down_says_so_with_a_next_step(devops_bot, devops_sandbox):
    await devops_bot.ask("repos")
    devops_sandbox.add_fault(path_regex="/git/repositories", status=503)
    card = await devops_bot.ask("repos")
    text = text_of(card)
    assert "Azure DevOps answered 503" in text and "Try again in a minute" in text
    assert "Traceback" not in text


async def test_create_that_failed_after_taking_effect_is_reported_created_once(devops_bot, devops_sandbox):
    sent = await devops_bot.say("repo create half-failed")
    devops_sandbox.add_fault(path_regex="/git/repositories$", method="POST", status=503, phase="after", count=1)
    since = devops_sandbox.last_seq()
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    _, card = await devops_bot.click_action(confirm, card_id=sent[0].activity_id)
    assert "Created half-failed" in text_of(card)
    assert [r["status"] for r in repo_posts(devops_sandbox, since)] == [503]  # never sent twice
    assert repo_names(devops_sandbox).count("half-failed") == 1
    audit = text_of(await devops_bot.ask("audit 5"))
    assert "repo.create" in audit and "half-failed" in audit


async def test_create_after_a_dropped_connection_is_not_repeated(devops_bot, devops_sandbox):
    sent = await devops_bot.say("repo create dropped")
    devops_sandbox.add_fault(path_regex="/git/repositories$", method="POST", drop=True, phase="after", count=1)
    since = devops_sandbox.last_seq()
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    _, card = await devops_bot.click_action(confirm, card_id=sent[0].activity_id)
    assert "Created dropped" in text_of(card)
    assert len(repo_posts(devops_sandbox, since)) == 1
    assert repo_names(devops_sandbox).count("dropped") == 1


async def test_create_that_failed_before_taking_effect_is_retried_after_a_check(devops_bot, devops_sandbox):
    sent = await devops_bot.say("repo create retried")
    devops_sandbox.add_fault(path_regex="/git/repositories$", method="POST", status=503, count=1)
    since = devops_sandbox.last_seq()
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    _, card = await devops_bot.click_action(confirm, card_id=sent[0].activity_id)
    assert "Created retried" in text_of(card)
    log = [(r["method"], r["status"]) for r in devops_sandbox.requests(since) if "/git/repositories" in r["path"]]
    # looked up before the create (it may exist meanwhile), checked before sending again
    assert log == [("GET", 404), ("POST", 503), ("GET", 404), ("POST", 201)]


# repo import -----------------------------------------------------------------------------------------------------
async def follow(teams, devops_sandbox, seconds: float = 30) -> None:
    """Moves the sandbox clock so the import finishes, then waits for the bot's background follower."""
    devops_sandbox.advance_clock(seconds)
    await services_of(teams).background.wait_idle(timeout=20)


@pytest.fixture
def fast_polling(devops_bot):
    services_of(devops_bot).pacing.poll_s = 0.02
    return devops_bot


async def test_repo_import_shows_progress_and_updates_the_card_when_done(fast_polling, devops_sandbox):
    teams = fast_polling
    question, answer = await ask_and_confirm(teams, "repo import https://github.com/Azure/aidevcollege as workshop")
    assert "From" in text_of(question) and "workshop (new repository)" in text_of(question)
    assert "Importing into workshop" in text_of(answer) and "updates itself" in text_of(answer)
    confirm_card_id = [s for s in teams.connector.sent if s.kind == "send"][-1].activity_id
    await follow(teams, devops_sandbox)
    final = teams.connector.sent[-1]
    assert final.kind == "update" and final.activity_id == confirm_card_id
    facts = clone_facts(final.card)
    assert "Imported workshop" in text_of(final.card)
    assert facts["Default branch"] == "master" and facts["Clone (HTTPS)"].endswith("/College/_git/workshop")
    assert facts["Clone (SSH)"].endswith("/College/workshop")
    assert "Confirmed by Alice Admin" in text_of(final.card)
    audit = text_of(await teams.ask("audit 5"))
    assert "repo.import.finished" in audit


async def test_repo_import_name_defaults_from_the_url(fast_polling, devops_sandbox):
    question, _ = await ask_and_confirm(fast_polling, "repo import https://github.com/Azure-Samples/onnxruntime-iot-edge.git")
    assert "onnxruntime-iot-edge (new repository)" in text_of(question)
    await follow(fast_polling, devops_sandbox)
    assert "Imported " + escape("onnxruntime-iot-edge") in text_of(fast_polling.connector.sent[-1].card)


async def test_failed_import_says_why_and_what_to_do(fast_polling, devops_sandbox):
    await ask_and_confirm(fast_polling, "repo import https://github.com/college-org/private-models as private-models")
    await follow(fast_polling, devops_sandbox)
    final = fast_polling.connector.sent[-1]
    text = text_of(final.card)
    assert "Import of private\\-models failed" in text and "Authentication failed" in text
    assert "https://⟨user⟩:⟨token⟩@" in text  # placeholders are shown as ⟨...⟩ (cards.common.readable)


async def test_an_unexpected_error_while_following_an_import_ends_with_the_apology(fast_polling, monkeypatch, caplog):
    from bot.commands import repos as repos_command

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug in reading the import's progress")

    monkeypatch.setattr(repos_command, "import_status", broken)
    teams = fast_polling
    _, answer = await ask_and_confirm(teams, "repo import https://github.com/Azure/aidevcollege as workshop")
    assert "Importing into workshop" in text_of(answer)
    confirm_card_id = [s for s in teams.connector.sent if s.kind == "send"][-1].activity_id
    await services_of(teams).background.wait_idle(timeout=20)
    final = teams.connector.sent[-1]
    assert final.kind == "update" and final.activity_id == confirm_card_id
    assert "Sorry, something went wrong" in text_of(final.card) and "Importing" not in text_of(final.card)
    (record,) = [r for r in caplog.records if r.getMessage() == "following the import failed"]
    assert record.exc_info is not None and record.correlation_id
    assert record.correlation_id in text_of(final.card)


async def test_an_import_whose_progress_is_refused_stops_following_and_says_so(fast_polling, devops_sandbox):
    teams = fast_polling
    await ask_and_confirm(teams, "repo import https://github.com/Azure/aidevcollege as workshop")
    # reading the progress is now refused (403): asking again would not help, so the bot stops asking
    devops_sandbox.add_fault(method="GET", path_regex="importRequests", status=403)
    since = devops_sandbox.last_seq()
    await services_of(teams).background.wait_idle(timeout=20)
    text = text_of(teams.connector.sent[-1].card)
    assert "progress cannot be read" in text and "Next step:" in text
    reads = [r for r in devops_sandbox.requests(since) if "importrequests" in r["path"].lower()]
    assert len(reads) == 1, reads


def import_connections(devops_sandbox) -> list:
    client = devops_sandbox.connection().clients_v7_1.get_service_endpoint_client()
    return [e for e in client.get_service_endpoints(devops_sandbox.project) if e.name.startswith("import-")]


def import_requests(devops_sandbox, name: str) -> list:
    git = devops_sandbox.connection().clients_v7_1.get_git_client()
    repo = git.get_repository(name, devops_sandbox.project)
    return git.query_import_requests(devops_sandbox.project, repo.id, include_abandoned=True)


def endpoint_posts(devops_sandbox, since: int) -> list[dict]:
    return [r for r in devops_sandbox.requests(since)
            if r["method"] == "POST" and r["path"].lower().endswith("/serviceendpoint/endpoints")]


PRIVATE = "https://github.com/college-org/private-models"


async def test_private_import_goes_through_a_temporary_git_connection(fast_polling, devops_sandbox):
    teams = fast_polling
    since = devops_sandbox.last_seq()
    await ask_and_confirm(teams, f"repo import https://college-bot:{GITHUB_TOKEN}@github.com/college-org/"
                                 "private-models as private-models")
    (connection,) = import_connections(devops_sandbox)  # exists while the import runs
    assert connection.name.startswith("import-private-models-")
    assert (connection.type, connection.url, connection.authorization.scheme) == ("git", PRIVATE, "UsernamePassword")
    assert connection.authorization.parameters == {"username": "college-bot"}  # the secret is never read back
    (request,) = import_requests(devops_sandbox, "private-models")
    assert request.parameters.git_source.url == PRIVATE
    assert request.parameters.service_endpoint_id == connection.id
    assert request.parameters.delete_service_endpoint_after_import_is_done is True
    assert len(endpoint_posts(devops_sandbox, since)) == 1
    assert not [r for r in devops_sandbox.requests(since) if GITHUB_TOKEN in r["path"] + r["query"]]
    await follow(teams, devops_sandbox)
    assert "Imported private\\-models" in text_of(teams.connector.sent[-1].card)
    assert import_connections(devops_sandbox) == []  # gone once the import is done


async def test_private_import_with_a_wrong_token_fails_and_leaves_no_connection(fast_polling, devops_sandbox):
    await ask_and_confirm(fast_polling, "repo import https://college-bot:ghp_wrong@github.com/college-org/"
                                        "private-models as private-models")
    assert len(import_connections(devops_sandbox)) == 1
    await follow(fast_polling, devops_sandbox)
    assert "Authentication failed" in text_of(fast_polling.connector.sent[-1].card)
    assert import_connections(devops_sandbox) == []


async def test_connection_create_that_failed_after_taking_effect_is_not_sent_twice(fast_polling, devops_sandbox):
    sent = await fast_polling.say(f"repo import https://college-bot:{GITHUB_TOKEN}@github.com/college-org/"
                                  "private-models as private-models")
    devops_sandbox.add_fault(path_regex="/serviceendpoint/endpoints$", method="POST", status=503, phase="after",
                             count=1)
    since = devops_sandbox.last_seq()
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    _, card = await fast_polling.click_action(confirm, card_id=sent[0].activity_id)
    assert "Importing into private\\-models" in text_of(card)
    assert [r["status"] for r in endpoint_posts(devops_sandbox, since)] == [503]
    (connection,) = import_connections(devops_sandbox)
    assert import_requests(devops_sandbox, "private-models")[0].parameters.service_endpoint_id == connection.id
    await follow(fast_polling, devops_sandbox)
    assert "Imported private\\-models" in text_of(fast_polling.connector.sent[-1].card)
    assert import_connections(devops_sandbox) == []


async def test_an_import_request_refused_deletes_the_connection_it_would_have_used(fast_polling, devops_sandbox):
    sent = await fast_polling.say(f"repo import https://college-bot:{GITHUB_TOKEN}@github.com/college-org/"
                                  "private-models as private-models")
    devops_sandbox.add_fault(path_regex="/importRequests$", method="POST", status=400, count=1)
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    _, card = await fast_polling.click_action(confirm, card_id=sent[0].activity_id)
    assert "Importing" not in text_of(card)
    assert import_connections(devops_sandbox) == []


async def test_import_credentials_never_appear_in_cards_logs_or_audit(fast_polling, devops_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    teams = fast_polling
    url = f"https://college-bot:{GITHUB_TOKEN}@github.com/college-org/private-models"
    question, answer = await ask_and_confirm(teams, f"repo import {url} as private-models")
    assert "used for this import only" in text_of(question)
    assert len(import_connections(devops_sandbox)) == 1
    await follow(teams, devops_sandbox)
    assert import_connections(devops_sandbox) == []
    assert "Imported private\\-models" in text_of(teams.connector.sent[-1].card)
    # a refused attempt and a typo'd command carry the token too
    await teams.say(f"repo import {url}", who="bob")
    await teams.say(f"repo imprt {url}")
    entries = await services_of(teams).audit.latest(50)
    everything = [
        *(json.dumps(s.activity) for s in teams.connector.sent),
        json.dumps(question), json.dumps(answer),
        *(json.dumps(e.__dict__, default=str) for e in entries),
        *(r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records),
    ]
    assert not [chunk for chunk in everything if GITHUB_TOKEN in chunk]
    assert any("github.com/college-org/private-models" in e.target for e in entries)
    # nor in the bot's store: the database and, as it runs in WAL mode, its write-ahead log and shared memory
    db = Path(path_from_url(services_of(teams).settings.store_url))
    files = [path for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if path.exists()]
    assert db in files
    assert not [path.name for path in files if GITHUB_TOKEN.encode() in path.read_bytes()]


async def test_import_into_an_existing_non_empty_repository_is_refused(devops_bot):
    card = await devops_bot.ask("repo import https://github.com/Azure/aidevcollege")
    assert "already exists" in text_of(card)


async def test_import_with_bad_url_or_words_says_what_is_wrong(devops_bot):
    assert "starts with https://" in text_of(await devops_bot.ask("repo import ftp://example.com/x.git"))
    assert "after the URL" in text_of(await devops_bot.ask("repo import https://github.com/Azure/aidevcollege to x"))
    assert "must not contain" in text_of(await devops_bot.ask('repo import https://github.com/a/b as "a:b"'))


async def test_not_configured_names_the_settings(teams):
    card = await teams.ask("repos")
    assert "AZURE_DEVOPS_ORG_URL" in text_of(card) and "Not configured" in text_of(card)


@pytest.mark.parametrize(("url", "says"), [
    ("http://github.com/Azure/aidevcollege", "HTTPS only"),
    ("https://169.254.169.254/latest/meta-data", "link-local"),
    ("https://github.com@127.0.0.1/Azure/aidevcollege", "loopback"),
    ("https://0x0a000005/o/r", "private network"),
])
async def test_import_refuses_http_and_internal_addresses_before_asking_anything(devops_bot, devops_sandbox, url,
                                                                                 says):
    since = devops_sandbox.last_seq()
    text = text_of(await devops_bot.ask(f"repo import {url} as probe"))
    assert says in text and "Import this repository?" not in text and "Next step" in text
    assert writes(devops_sandbox, since) == []


async def test_a_trusted_host_may_be_imported_over_http(make_bot, devops_sandbox):
    teams = await make_bot(**devops_sandbox.env, IMPORT_TRUSTED_HOSTS="git.college.internal")
    text = text_of(await teams.ask("repo import http://git.college.internal/mlops/models.git"))
    assert "Import this repository?" in text and "http://git.college.internal/mlops/models.git" in text


STRAY = "Qz7strayS3cret"


@pytest.mark.parametrize("typed", [
    f'team "https://alice:{STRAY}@github.com/x"', f"help https://bob:{STRAY}@example.com/y",
    f"onboard https://alice:{STRAY}@evil.example/x", f"repo import https://github.com/a/b?token={STRAY}",
    f"repo import https://github.com/a/b?ref=x&access_token={STRAY} as probe", f"whoami Bearer {STRAY}{STRAY}",
    f"repo create https://{STRAY}@github.com/x", f"frobnicate ghp_{STRAY}{STRAY}",
])
async def test_credentials_typed_anywhere_never_come_back_in_cards_or_the_audit(devops_bot, typed):
    sent = await devops_bot.say(typed)
    assert sent and STRAY not in json.dumps([s.activity for s in sent])
    entries = await services_of(devops_bot).audit.latest(20)
    assert not [e for e in entries if STRAY in f"{e.target} {e.detail}"]


async def test_an_import_url_with_a_token_in_its_query_is_refused_with_the_right_way(devops_bot, devops_sandbox):
    since = devops_sandbox.last_seq()
    text = text_of(await devops_bot.ask(f"repo import https://github.com/a/b?token={STRAY}"))
    assert "token in its query" in text and "https://⟨user⟩:⟨token⟩@⟨host⟩" in text.replace("\\", "")
    assert writes(devops_sandbox, since) == []


async def test_a_create_whose_answer_and_every_check_are_lost_says_it_is_not_sure(devops_bot, devops_sandbox):
    (message,) = [s for s in await devops_bot.say("repo create lost-answer") if s.cards]
    confirm = next(a for a in card_actions(message.card) if a.get("verb") == verbs.CONFIRM)
    devops_sandbox.add_fault(path_regex="git/repositories", method="POST", status=503, phase="after")
    # the look before the create passes (a 1 ms delay used up by one call), every check after it fails
    devops_sandbox.add_fault(path_regex="git/repositories/lost-answer", method="GET", delay_ms=1, count=1)
    devops_sandbox.add_fault(path_regex="git/repositories/lost-answer", method="GET", status=503)
    status, card = await devops_bot.click_action(confirm, card_id=message.activity_id)
    devops_sandbox.clear_faults()
    assert status == 200 and "lost-answer" in repo_names(devops_sandbox)  # it was created
    text = text_of(card)
    assert "could not check whether it took effect" in text and "Nothing more was done" not in text
