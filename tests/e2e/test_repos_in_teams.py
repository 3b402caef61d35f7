"""`repo create` through a real Teams client (the Agents Playground in headless Chromium) against `python app.py`
and the sandbox: the confirmation card, the Confirm button, the result card rendered in its place."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest

from tests.e2e.teams_ui import Teams

NAME = "e2e-tinyyolo"


def _control(settings: dict[str, str], method: str, path: str) -> object:
    auth = base64.b64encode(f":{settings['AZURE_DEVOPS_PAT']}".encode()).decode()
    request = urllib.request.Request(f"{settings['SANDBOX_CONTROL_URL']}/{path}", method=method,
                                     data=b"{}" if method == "POST" else None,
                                     headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture
def clean_sandbox(sandbox_settings: dict[str, str]):
    """The sandbox at its seed before and after the test (other e2e tests share it)."""
    _control(sandbox_settings, "POST", "reset")
    yield sandbox_settings
    _control(sandbox_settings, "POST", "reset")


def repository_names(settings: dict[str, str]) -> list[str]:
    from azure.devops.connection import Connection
    from msrest.authentication import BasicAuthentication

    connection = Connection(base_url=settings["AZURE_DEVOPS_ORG_URL"],
                            creds=BasicAuthentication("", settings["AZURE_DEVOPS_PAT"]))
    git = connection.clients_v7_1.get_git_client()
    return [r.name for r in git.get_repositories(settings["AZURE_DEVOPS_PROJECT"])]


def test_repo_create_confirm_and_see_the_result_card(teams: Teams, clean_sandbox) -> None:
    teams.open_personal_chat()
    reply = teams.send(f"repo create {NAME}")
    assert reply.cards, f"repo create answered without a card: {reply.raw}"
    card = teams.last_card()
    text = card.inner_text()
    teams.screenshot("repo-create-question")
    assert "Create this repository?" in text and NAME in text and "Only they can confirm" in text, text

    seq = _control(clean_sandbox, "GET", "requests?since=0")
    since = seq[-1]["seq"] if seq else 0
    call = teams.click_card_button("Confirm", card)
    teams.screenshot("repo-create-result")
    assert call.response.get("statusCode") == 200, call.response
    text = card.inner_text()
    assert "Created e2e" in text and "Default branch" in text, text
    assert f"/College/_git/{NAME}" in text and f"v3/college-org/College/{NAME}" in text, text
    assert "Confirmed by Alice Admin" in text, text
    assert "Open in Azure DevOps" in text, text
    posts = [r for r in _control(clean_sandbox, "GET", f"requests?since={since}")
             if r["method"] == "POST" and r["path"].lower().endswith("/git/repositories")]
    assert len(posts) == 1 and repository_names(clean_sandbox).count(NAME) == 1


def test_repo_create_is_refused_for_a_member(teams_as, clean_sandbox) -> None:
    bob = teams_as("bob")
    bob.open_personal_chat()
    bob.send("repo create bobs-repo")
    text = bob.last_card().inner_text()
    bob.screenshot("repo-create-refused")
    assert "Only the team's admins may use repo create" in text, text
    assert "bobs-repo" not in repository_names(clean_sandbox)
