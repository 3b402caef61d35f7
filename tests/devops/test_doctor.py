"""doctor through the HTTP harness against the sandbox: each item is broken through the sandbox's Azure DevOps API
(or, where Azure DevOps has no such state to break, through the bot's settings), doctor reports it with its exact
next step, then it is repaired through the same API (as its next step says to do in the portal) and doctor sees
it pass. Plus: the checks run concurrently, and a slow
TestConnection gets a card at once that is updated in place."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from cards import verbs
from tests.devops.conftest import services_of
from tests.harness.cards import card_actions, card_texts
from tests.harness.pacing import step_by_step, step_by_step_pacing  # noqa: F401  (fixtures: step-by-step pacing)
from tests.sandbox_fixtures import DevOpsSandbox

SECURE_FILES = "adcfd8bc-b184-43ba-bd84-7c8c6a2ff421"
GITHUB_TOKEN = "ghp_sandboxCollegeBot0000000000000000000"  # sandbox/world/credentials.json
AML_SECRET = "Qx1~sandbox-healthy-secret-8d2f6a0c4e"
RENEWED_LEGACY_SECRET = "Rn4~sandbox-renewed-secret-2c7d0e4b9a"
TENANT_ID = "b3288a75-54ea-4cfd-b455-3f31258f9721"  # sandbox/world/college_team.json
AML_APP_ID = "3d5e8a41-7c2b-4f6e-9a1d-0b8c7e6f5a42"  # sandbox/world/credentials.json: college-mlops-sp
SUBSCRIPTION_ID = "7f3c2d1e-0a9b-4c8d-9e7f-6a5b4c3d2e1f"
AML_SCOPE = (f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/college-rg/providers/"
             "Microsoft.MachineLearningServices/workspaces/college-aml")
WORKSHOP_REPO = "https://github.com/Azure/aidevcollege"
ORDER = ["project", "team", "members", "repository", "github", "arm", "secure_file", "extension", "release"]




def pending_items(card: dict) -> set[str]:
    return {key for key, item in items(card).items() if item["symbol"] == "⏳"}


# ---- reading the card -------------------------------------------------------------------------------------------
def items(card: dict) -> dict[str, dict]:
    """item key -> {"symbol", "text"} for the nine check blocks, in order."""
    blocks = [b for b in card["body"] if b.get("type") == "Container"]
    assert len(blocks) == len(ORDER), [card_texts({"body": [b]}) for b in blocks]
    out = {}
    for key, block in zip(ORDER, blocks, strict=True):
        texts = card_texts({"body": [block]}) + runs(block)
        out[key] = {"symbol": texts[0].split(" ", 1)[0], "text": "\n".join(texts)}
    return out


def runs(node) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextRun":
            found.append(node["text"])
        for value in node.values():
            found.extend(runs(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(runs(value))
    return found


async def start_bot(make_bot, sandbox: DevOpsSandbox, **settings):
    """The bot pointed at the sandbox, with some settings changed."""
    return await make_bot(**{**sandbox.env, "BOT_ADMINS": "", **settings})


# ---- breaking and repairing through the sandbox's Azure DevOps API ---------------------------------------------------
def sdk(sandbox: DevOpsSandbox):
    return sandbox.connection().clients_v7_1


def endpoint(sandbox: DevOpsSandbox, name: str):
    client = sdk(sandbox).get_service_endpoint_client()
    return next(e for e in client.get_service_endpoints(sandbox.project) if e.name == name)


def set_credential(sandbox: DevOpsSandbox, name: str, parameter: str, value: str) -> None:
    client = sdk(sandbox).get_service_endpoint_client()
    found = client.get_service_endpoint_details(sandbox.project, endpoint(sandbox, name).id)
    found.authorization.parameters = {**found.authorization.parameters, parameter: value}
    client.update_service_endpoint(found, found.id)


def delete_endpoint(sandbox: DevOpsSandbox, name: str) -> None:
    found = endpoint(sandbox, name)
    project_id = sdk(sandbox).get_core_client().get_project(sandbox.project).id
    sdk(sandbox).get_service_endpoint_client().delete_service_endpoint(found.id, [project_id])


def team_memberships(sandbox: DevOpsSandbox) -> tuple[str, list[str]]:
    clients = sdk(sandbox)
    team = clients.get_core_client().get_team(sandbox.project, sandbox.team)
    graph = clients.get_graph_client()
    team_descriptor = graph.get_descriptor(team.id).value
    members = [m.member_descriptor for m in graph.list_memberships(team_descriptor, direction="down")]
    return team_descriptor, members


def remove_team_members(sandbox: DevOpsSandbox, state: dict) -> None:
    team_descriptor, members = team_memberships(sandbox)
    assert members
    graph = sdk(sandbox).get_graph_client()
    for member in members:
        graph.remove_membership(member, team_descriptor)
    state["members"] = members


def add_team_members_back(sandbox: DevOpsSandbox, state: dict) -> None:
    team_descriptor, _ = team_memberships(sandbox)
    graph = sdk(sandbox).get_graph_client()
    for member in state["members"]:
        graph.add_membership(member, team_descriptor)


def delete_repository(sandbox: DevOpsSandbox, state: dict) -> None:
    git = sdk(sandbox).get_git_client()
    git.delete_repository(git.get_repository("aidevcollege", sandbox.project).id, sandbox.project)


def replace_with_empty_repository(sandbox: DevOpsSandbox, state: dict) -> None:
    from azure.devops.v7_1.git.models import GitRepositoryCreateOptions

    delete_repository(sandbox, state)
    sdk(sandbox).get_git_client().create_repository(GitRepositoryCreateOptions(name="aidevcollege"), sandbox.project)


def import_repository(sandbox: DevOpsSandbox, state: dict) -> None:
    """What `repo import` does: create (unless it exists), import, and wait for the import to complete."""
    from azure.devops.v7_1.git.models import (
        GitImportGitSource,
        GitImportRequest,
        GitImportRequestParameters,
        GitRepositoryCreateOptions,
    )

    git = sdk(sandbox).get_git_client()
    names = {r.name for r in git.get_repositories(sandbox.project)}
    if "aidevcollege" not in names:
        git.create_repository(GitRepositoryCreateOptions(name="aidevcollege"), sandbox.project)
    repo = git.get_repository("aidevcollege", sandbox.project)
    request = GitImportRequest(parameters=GitImportRequestParameters(git_source=GitImportGitSource(url=WORKSHOP_REPO)))
    git.create_import_request(request, sandbox.project, repo.id)
    sandbox.advance_clock(30)


def delete_secure_file(sandbox: DevOpsSandbox, state: dict) -> None:
    agent = sdk(sandbox).get_task_agent_client()
    listed = agent._send(http_method="GET", location_id=SECURE_FILES, version="7.1-preview.1",
                         route_values={"project": sandbox.project}).json()["value"]
    file_id = next(f["id"] for f in listed if f["name"] == "config.json")
    agent._send(http_method="DELETE", location_id=SECURE_FILES, version="7.1-preview.1",
                route_values={"project": sandbox.project, "secureFileId": file_id})


def uninstall_extension(sandbox: DevOpsSandbox, state: dict) -> None:
    sdk(sandbox).get_extension_management_client().uninstall_extension_by_name("ms-air-aiagility",
                                                                               "vss-services-azureml")


def create_endpoint(sandbox: DevOpsSandbox, name: str, type_: str, url: str, scheme: str, parameters: dict,
                    data: dict | None = None) -> str:
    from azure.devops.v7_1.service_endpoint.models import (
        EndpointAuthorization,
        ProjectReference,
        ServiceEndpoint,
        ServiceEndpointProjectReference,
    )

    project_id = sdk(sandbox).get_core_client().get_project(sandbox.project).id
    created = sdk(sandbox).get_service_endpoint_client().create_service_endpoint(ServiceEndpoint(
        name=name, type=type_, url=url, data=data or {},
        authorization=EndpointAuthorization(scheme=scheme, parameters=parameters),
        service_endpoint_project_references=[ServiceEndpointProjectReference(
            name=name, project_reference=ProjectReference(id=project_id, name=sandbox.project))]))
    return created.id


def create_github_connection(sandbox: DevOpsSandbox, state: dict) -> None:
    create_endpoint(sandbox, "GitHub", "github", "https://github.com", "PersonalAccessToken",
                    {"accessToken": GITHUB_TOKEN})


def create_aml_connection_and_point_the_release_at_it(sandbox: DevOpsSandbox, state: dict) -> None:
    """New service connection (scoped to the workspace), then the release's model artifact edited to use it."""
    endpoint_id = create_endpoint(
        sandbox, "aml-workspace-connection", "azurerm", "https://management.azure.com/", "ServicePrincipal",
        {"tenantid": TENANT_ID, "serviceprincipalid": AML_APP_ID, "authenticationType": "spnKey",
         "serviceprincipalkey": AML_SECRET, "scope": AML_SCOPE},
        {"environment": "AzureCloud", "scopeLevel": "AzureMLWorkspace", "subscriptionId": SUBSCRIPTION_ID,
         "subscriptionName": "College MLOps", "resourceGroupName": "college-rg", "mlWorkspaceName": "college-aml",
         "mlWorkspaceLocation": "westeurope", "creationMode": "Manual"})
    release = sdk(sandbox).get_release_client()
    definition = next(d for d in release.get_release_definitions(sandbox.project) if d.name == "TinyYOLO to IoT Edge")
    definition = release.get_release_definition(sandbox.project, definition.id)
    for artifact in definition.artifacts:
        if artifact.type == "AzureML":
            artifact.definition_reference["connection"].id = endpoint_id
            artifact.definition_reference["connection"].name = "aml-workspace-connection"
    release.update_release_definition(definition, sandbox.project)


def upload_secure_file(sandbox: DevOpsSandbox, state: dict) -> None:
    """Pipelines → Library → + Secure file, through its REST route (the 7.1 SDK has no method for it)."""
    import io

    agent = sdk(sandbox).get_task_agent_client()
    agent._send(http_method="POST", location_id=SECURE_FILES, version="7.1-preview.1",
                route_values={"project": sandbox.project}, query_parameters={"name": "config.json"},
                content=agent._client.stream_upload(io.BytesIO(b'{"workspace_name": "college-aml"}'), callback=None),
                media_type="application/octet-stream")


def install_extension(sandbox: DevOpsSandbox, state: dict) -> None:
    sdk(sandbox).get_extension_management_client().install_extension_by_name("ms-air-aiagility",
                                                                             "vss-services-azureml")


def nothing(sandbox: DevOpsSandbox, state: dict) -> None:
    pass


@dataclass
class Case:
    id: str
    item: str
    break_it: Callable[[DevOpsSandbox, dict], None]
    next_step: list[str]  # what the failing item must say to do
    repair: Callable[[DevOpsSandbox, dict], None]
    settings: dict = field(default_factory=dict)  # for the bot that sees it broken
    repaired_settings: dict | None = None  # for the bot that sees it repaired (None: the same bot)
    symbol: str = "❌"
    detail: list[str] = field(default_factory=list)


CASES = [
    Case("project-missing", "project", nothing,
         ["New project → name Colege", "AZURE_DEVOPS_PROJECT"], nothing,
         settings={"AZURE_DEVOPS_PROJECT": "Colege"}, repaired_settings={},
         detail=["no project called Colege"]),
    Case("team-missing", "team", nothing,
         ["Project settings → Teams → New team → name Data Team", "AZURE_DEVOPS_TEAM"], nothing,
         settings={"AZURE_DEVOPS_TEAM": "Data Team"}, repaired_settings={},
         detail=["no team called Data Team"]),
    Case("no-members", "members", remove_team_members,
         ["`onboard dana@contoso.com erin@contoso.com`", "Project settings → Teams → College Team → Add"],
         add_team_members_back, detail=["no members yet"]),
    Case("repository-deleted", "repository", delete_repository,
         [f"Type `repo import {WORKSHOP_REPO} as aidevcollege`"], import_repository,
         detail=["no repository called aidevcollege"]),
    Case("repository-empty", "repository", replace_with_empty_repository,
         [f"Repos → aidevcollege → Import → Clone URL {WORKSHOP_REPO}",
          f"`repo import {WORKSHOP_REPO} as aidevcollege`"],
         import_repository, detail=["exists but is empty"]),
    Case("github-token-revoked", "github",
         lambda s, st: set_credential(s, "GitHub", "accessToken", "ghp_revoked000000000000000000000000000"),
         ["Create a new GitHub personal access token", "Service connections → GitHub → Edit"],
         lambda s, st: set_credential(s, "GitHub", "accessToken", GITHUB_TOKEN),
         detail=["GitHub refused the connection's token", "Bad credentials"]),
    Case("github-deleted", "github", lambda s, st: delete_endpoint(s, "GitHub"),
         ["New service connection → GitHub", "Service connection name GitHub → Save"], create_github_connection,
         detail=["no GitHub service connection"]),
    Case("arm-wrong-secret", "arm", lambda s, st: set_credential(s, "aml-workspace-connection",
                                                                 "serviceprincipalkey", "not-the-secret"),
         ["Renew the secret in Microsoft Entra ID", "Service connections → aml-workspace-connection → Edit"],
         lambda s, st: set_credential(s, "aml-workspace-connection", "serviceprincipalkey", AML_SECRET),
         detail=["wrong client secret", "AADSTS7000215", "1 other Azure Resource Manager connection(s) fail too"]),
    Case("arm-secret-expired", "arm", nothing,
         ["Renew the secret in Microsoft Entra ID: App registrations → the app with client ID "
          "9b7c1e2d-4a5f-4c3b-8e6d-2f1a0b9c8d7e → Certificates & secrets → New client secret",
          "Service connections → legacy-arm-connection → Edit → paste the new secret as Service principal key"],
         lambda s, st: set_credential(s, "legacy-arm-connection", "serviceprincipalkey", RENEWED_LEGACY_SECRET),
         settings={"DOCTOR_ARM_CONNECTION": "legacy-arm-connection"},
         detail=["client secret has expired", "AADSTS7000222", "Failed to obtain the Json Web Token(JWT)"]),
    Case("arm-deleted", "arm", lambda s, st: [delete_endpoint(s, n) for n in
                                              ("aml-workspace-connection", "legacy-arm-connection")],
         ["New service connection → Azure Resource Manager", "Scope level Machine Learning Workspace"],
         create_aml_connection_and_point_the_release_at_it,
         detail=["no Azure Resource Manager service connection"]),
    Case("secure-file-deleted", "secure_file", delete_secure_file,
         ["Pipelines → Library → Secure files → + Secure file", "config.json"], upload_secure_file,
         detail=["no secure file called config.json"]),
    Case("extension-uninstalled", "extension", uninstall_extension,
         ["https://marketplace.visualstudio.com/items?itemName=ms-air-aiagility.vss-services-azureml",
          "Get it free"], install_extension, detail=["not installed"]),
    Case("release-artifact-connection-deleted", "release", lambda s, st: delete_endpoint(s, "aml-workspace-connection"),
         ["Pipelines → Releases → TinyYOLO to IoT Edge → Edit → artifact _TinyYOLO"],
         create_aml_connection_and_point_the_release_at_it,
         detail=["uses the service connection aml-workspace-connection, which no longer exists"]),
    Case("release-without-the-model", "release", nothing,
         ["+ Add an artifact → AzureML", "Model names ResNet50"], nothing,
         settings={"DOCTOR_MODEL": "ResNet50"}, repaired_settings={"DOCTOR_MODEL": "TinyYOLO"},
         detail=["has an Azure ML model artifact for ResNet50"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_doctor_reports_each_broken_item_with_its_next_step_then_sees_it_repaired(case, make_bot,
                                                                                       devops_sandbox):
    teams = await start_bot(make_bot, devops_sandbox, **case.settings)
    state: dict = {}
    case.break_it(devops_sandbox, state)

    broken = items(await teams.ask("doctor"))
    item = broken[case.item]
    assert item["symbol"] == case.symbol, item["text"]
    for words in case.detail:
        assert words in item["text"], (words, item["text"])
    assert "Next step:" in item["text"]
    for words in case.next_step:
        assert words in item["text"], (words, item["text"])

    case.repair(devops_sandbox, state)
    if case.repaired_settings is not None:
        teams = await start_bot(make_bot, devops_sandbox, **case.repaired_settings)
    repaired = items(await teams.ask("doctor"))
    assert repaired[case.item]["symbol"] == "✅", repaired[case.item]["text"]
    assert "Next step:" not in repaired[case.item]["text"]
    assert all(i["symbol"] == "✅" for i in repaired.values()), {k: i["text"] for k, i in repaired.items()
                                                                 if i["symbol"] != "✅"}


async def test_all_pass_on_the_seeded_workshop(devops_bot):
    card = await devops_bot.ask("doctor")
    checks = items(card)
    assert all(i["symbol"] == "✅" for i in checks.values())
    text = "\n".join(card_texts(card))
    assert "All 9 checks pass" in text
    assert "5 member(s): Alice Admin (admin)" in checks["members"]["text"]
    assert "default branch master" in checks["repository"]["text"]
    assert "aml-workspace-connection passes; legacy-arm-connection does not" in checks["arm"]["text"]
    assert "TinyYOLO to IoT Edge: model TinyYOLO through aml-workspace-connection" in checks["release"]["text"]
    assert {"Check again", "Service connections"} <= {a["title"] for a in card_actions(card)}


async def test_a_missing_project_is_reported_once_not_as_nine_errors(make_bot, devops_sandbox):
    teams = await start_bot(make_bot, devops_sandbox, AZURE_DEVOPS_PROJECT="Colege")
    checks = items(await teams.ask("doctor"))
    assert checks["project"]["symbol"] == "❌"
    assert checks["extension"]["symbol"] == "✅"  # an organization's extension does not need the project
    for key in ("team", "members", "repository", "github", "arm", "secure_file", "release"):
        assert checks[key]["symbol"] == "⚠️" and "Not checked: project Colege does not exist" in checks[key]["text"]


async def test_checks_run_concurrently(devops_bot, devops_sandbox):
    await devops_bot.ask("doctor")  # warm: the SDK's one-time location lookups
    # every call the checks make takes 300 ms, so calls that ran at the same time are plain to see in the log
    devops_sandbox.add_fault(
        path_regex="_apis/(projects|git|serviceendpoint|distributedtask|extensionmanagement|release)", delay_ms=300)
    since = devops_sandbox.last_seq()
    await devops_bot.say("doctor")
    await services_of(devops_bot).background.wait_idle(timeout=20)
    calls = [r for r in devops_sandbox.requests(since) if r["method"] != "OPTIONS"]
    assert len(calls) >= 10, calls
    intervals = [(r["at"] - r["ms"], r["at"]) for r in calls]
    in_flight_at_start = [sum(1 for s, e in intervals if s <= start < e) for start, _ in intervals]
    # most calls start while others are still in flight: the checks do not wait for each other
    assert max(in_flight_at_start) >= 5, in_flight_at_start


async def test_a_slow_test_connection_gets_a_card_at_once_then_an_update(make_bot, devops_sandbox, pacing):
    pacing.ready = lambda card: pending_items(card) <= {"github", "arm"}  # every check without a fault has answered
    teams = await start_bot(make_bot, devops_sandbox, CONNECTION_TEST_TIMEOUT_S="1.5")
    devops_sandbox.add_fault(path_regex="serviceendpoint/endpointproxy", delay_ms=30_000)
    sent = await teams.say("doctor")
    first = items(sent[0].card)  # the first answer does not wait for the hanging tests: they show as testing
    assert first["github"]["symbol"] == "⏳" and first["arm"]["symbol"] == "⏳"
    assert all(first[k]["symbol"] == "✅" for k in ORDER if k not in ("github", "arm"))
    assert not [s for s in teams.connector.sent if s.kind == "update"]
    pacing.expire()
    await services_of(teams).background.wait_idle(timeout=30)
    (update,) = [s for s in teams.connector.sent if s.kind == "update"]
    assert update.activity_id == sent[0].activity_id
    final = items(update.card)
    assert final["github"]["symbol"] == "⏱️" and "within 1.5 s" in final["github"]["text"]
    assert final["arm"]["symbol"] == "⏱️"
    assert all(final[k]["symbol"] == "✅" for k in ORDER if k not in ("github", "arm"))


async def test_check_again_button(devops_bot):
    sent = await devops_bot.say("doctor")
    button = next(a for a in card_actions(sent[0].card) if a["title"] == "Check again")
    status, card = await devops_bot.click_action(button, card_id=sent[0].activity_id)
    assert status == 200 and "All 9 checks pass" in "\n".join(card_texts(card))


@pytest.mark.parametrize("break_it", [delete_repository, replace_with_empty_repository], ids=["deleted", "empty"])
async def test_the_repository_next_step_typed_into_the_bot_repairs_it(break_it, devops_bot, devops_sandbox):
    """The next step is a command that works as shown: type it, confirm, let the import finish, doctor passes."""
    services_of(devops_bot).pacing.poll_s = 0.05
    break_it(devops_sandbox, {})
    step = items(await devops_bot.ask("doctor"))["repository"]["text"]
    (typed,) = re.findall(r"`(repo import [^`]+)`", step)
    sent = await devops_bot.say(typed)
    confirm = next(a for a in card_actions(sent[0].card) if a.get("verb") == verbs.CONFIRM)
    status, _ = await devops_bot.click_action(confirm, card_id=sent[0].activity_id)
    assert status == 200
    devops_sandbox.advance_clock(60)  # the sandbox's import takes a few seconds of its clock
    await services_of(devops_bot).background.wait_idle(timeout=20)
    assert items(await devops_bot.ask("doctor"))["repository"]["symbol"] == "✅"


async def test_one_hanging_test_connection_times_out_while_the_others_pass(make_bot, devops_sandbox, pacing):
    """A fault that matches the query string singles out the GitHub connection's TestConnection."""
    pacing.ready = lambda card: pending_items(card) <= {"github"}
    teams = await start_bot(make_bot, devops_sandbox, CONNECTION_TEST_TIMEOUT_S="1.5")
    github = endpoint(devops_sandbox, "GitHub").id
    devops_sandbox.add_fault(path_regex=rf"serviceendpoint/endpointproxy\?.*endpointId={github}", delay_ms=30_000)
    sent = await teams.say("doctor")
    first = items(sent[0].card)
    assert first["github"]["symbol"] == "⏳"
    assert all(first[k]["symbol"] == "✅" for k in ORDER if k != "github")
    pacing.expire()
    await services_of(teams).background.wait_idle(timeout=30)
    (update,) = [s for s in teams.connector.sent if s.kind == "update"]
    final = items(update.card)
    assert final["github"]["symbol"] == "⏱️" and "within 1.5 s" in final["github"]["text"]
    assert final["arm"]["symbol"] == "✅"
    assert all(final[k]["symbol"] == "✅" for k in ORDER if k != "github")


def statuses(sandbox: DevOpsSandbox, since: int, path_part: str) -> list[int]:
    return [r["status"] for r in sandbox.requests(since) if path_part in r["path"].lower()]


async def test_injected_429_honours_retry_after(devops_bot, devops_sandbox):
    devops_sandbox.add_fault(path_regex="distributedtask/securefiles", status=429, retry_after=5, count=1)
    since = devops_sandbox.last_seq()
    checks = items(await devops_bot.ask("doctor"))
    assert all(i["symbol"] == "✅" for i in checks.values()), {k: i["text"] for k, i in checks.items()}
    assert 5.0 in devops_bot.sleeps.waits
    assert statuses(devops_sandbox, since, "securefiles") == [429, 200]


async def test_a_throttled_item_says_when_to_try_again(devops_bot, devops_sandbox):
    # a Retry-After longer than a user should wait: no retry, the item says when to try again
    devops_sandbox.add_fault(path_regex="distributedtask/securefiles", status=429, retry_after=90)
    checks = items(await devops_bot.ask("doctor"))
    assert checks["secure_file"]["symbol"] == "⚠️"
    assert "throttling" in checks["secure_file"]["text"] and "Try again in 90 seconds" in checks["secure_file"]["text"]
    assert all(i["symbol"] == "✅" for k, i in checks.items() if k != "secure_file")


async def test_injected_503_is_retried(devops_bot, devops_sandbox):
    devops_sandbox.add_fault(path_regex="ExtensionManagement/InstalledExtensions$", status=503, count=2)
    since = devops_sandbox.last_seq()
    checks = items(await devops_bot.ask("doctor"))
    assert checks["extension"]["symbol"] == "✅"
    assert statuses(devops_sandbox, since, "installedextensions") == [503, 503, 200]


async def test_an_item_azure_devops_cannot_answer_says_so_with_a_next_step(devops_bot, devops_sandbox):
    devops_sandbox.add_fault(path_regex="ExtensionManagement/InstalledExtensions$", status=503)
    checks = items(await devops_bot.ask("doctor"))
    extension = checks["extension"]
    assert extension["symbol"] == "⚠️" and "Could not check: Azure DevOps answered 503" in extension["text"]
    assert "Next step:" in extension["text"] and "Try again in a minute" in extension["text"]
    assert all(i["symbol"] == "✅" for k, i in checks.items() if k != "extension")


def add_group_to_team(sandbox: DevOpsSandbox, group_name: str) -> None:
    """Puts one of the project's groups into the team (the portal allows groups as team members)."""
    team_descriptor, _ = team_memberships(sandbox)
    graph = sdk(sandbox).get_graph_client()
    groups = graph.list_groups().graph_groups
    group = next(g for g in groups
                 if g.display_name == group_name and g.principal_name.startswith(f"[{sandbox.project}]"))
    graph.add_membership(group.descriptor, team_descriptor)


async def test_a_group_in_the_team_is_not_counted_as_a_member(devops_bot, devops_sandbox):
    add_group_to_team(devops_sandbox, "Readers")
    members = items(await devops_bot.ask("doctor"))["members"]
    assert "5 member(s): Alice Admin (admin)" in members["text"] and "Readers" not in members["text"]
    team = "\n".join(card_texts(await devops_bot.ask("team")))
    assert "Readers" not in team
