"""core and git through the real azure-devops SDK."""

from __future__ import annotations

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.git.models import (
    GitImportGitSource,
    GitImportRequest,
    GitImportRequestParameters,
    GitRepositoryCreateOptions,
)


def test_projects_and_project(clients):
    projects = clients.core.get_projects()
    assert [p.name for p in projects] == ["College", "Workshop Archive"]
    project = clients.core.get_project("College")
    assert project.id == projects[0].id
    assert project.default_team.name == "College Team"


def test_unknown_project_is_404_with_service_error(clients):
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.core.get_project("Nope")
    assert caught.value.type_key == "ProjectDoesNotExistWithNameException"
    assert "TF200016" in caught.value.message


def test_teams_and_members_with_admin_flag(clients):
    project = clients.core.get_project("College")
    teams = clients.core.get_teams(project.id)
    assert [t.name for t in teams] == ["College Team"]
    team = clients.core.get_team("College", "college team")
    assert team.id == teams[0].id
    members = clients.core.get_team_members_with_extended_properties("College", "College Team")
    roles = {m.identity.display_name: m.is_team_admin for m in members}
    assert roles["Alice Admin"] is True
    assert roles["Bob Builder"] is False
    assert "Frank Newcomer" not in roles  # not in the organization yet


def test_seeded_repository_was_imported_from_github(clients):
    repos = clients.git.get_repositories("College")
    assert [r.name for r in repos] == ["aidevcollege"]
    repo = clients.git.get_repository("aidevcollege", "College")
    assert repo.default_branch == "refs/heads/master"
    assert repo.remote_url.endswith("/College/_git/aidevcollege")
    refs = clients.git.get_refs(repo.id, "College", filter="heads/")
    assert {r.name for r in refs} == {"refs/heads/master", "refs/heads/dev"}


def test_create_then_duplicate_then_delete(clients):
    created = clients.git.create_repository(GitRepositoryCreateOptions(name="tiny-yolo"), project="College")
    assert created.default_branch is None and created.size == 0
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.git.create_repository(GitRepositoryCreateOptions(name="TINY-YOLO"), project="College")
    assert caught.value.type_key == "GitRepositoryNameAlreadyExistsException"
    assert "TF400948" in caught.value.message
    clients.git.delete_repository(created.id, "College")
    assert "tiny-yolo" not in [r.name for r in clients.git.get_repositories("College")]
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.git.get_repository(created.id, "College")
    assert caught.value.type_key == "GitRepositoryNotFoundException"


def _import(clients, repo_id, url, endpoint_id=None, delete_endpoint=None):
    request = GitImportRequest(parameters=GitImportRequestParameters(
        git_source=GitImportGitSource(url=url), service_endpoint_id=endpoint_id,
        delete_service_endpoint_after_import_is_done=delete_endpoint))
    return clients.git.create_import_request(request, "College", repo_id)


def _git_connection(clients, name, url, password):
    """What the portal's "Requires authorization" does: an Other Git service connection for the source."""
    from azure.devops.v7_1.service_endpoint.models import (
        EndpointAuthorization,
        ProjectReference,
        ServiceEndpoint,
        ServiceEndpointProjectReference,
    )

    project_id = clients.core.get_project("College").id
    return clients.endpoints.create_service_endpoint(ServiceEndpoint(
        name=name, type="git", url=url,
        authorization=EndpointAuthorization(scheme="UsernamePassword",
                                            parameters={"username": "college-bot", "password": password}),
        service_endpoint_project_references=[ServiceEndpointProjectReference(
            name=name, project_reference=ProjectReference(id=project_id))])).id


def _endpoint_names(clients):
    return {e.name for e in clients.endpoints.get_service_endpoints("College")}


def test_import_moves_from_queued_to_completed_with_the_clock(clients, devops_sandbox):
    repo = clients.git.create_repository(GitRepositoryCreateOptions(name="iot-edge"), project="College")
    started = _import(clients, repo.id, "https://github.com/Azure-Samples/onnxruntime-iot-edge.git")
    assert started.status == "queued"
    devops_sandbox.advance_clock(2)
    assert clients.git.get_import_request("College", repo.id, started.import_request_id).status == "inProgress"
    assert clients.git.get_refs(repo.id, "College") == []
    devops_sandbox.advance_clock(30)
    done = clients.git.get_import_request("College", repo.id, started.import_request_id)
    assert done.status == "completed"
    assert done.detailed_status.current_step == len(done.detailed_status.all_steps)
    assert clients.git.get_repository(repo.id, "College").default_branch == "refs/heads/master"
    assert [r.name for r in clients.git.get_refs(repo.id, "College")] == ["refs/heads/master"]


def test_query_import_requests_lists_a_repositorys_imports_with_their_status(clients, devops_sandbox):
    """What the bot asks after an import request whose answer was lost: did it take effect?"""
    repo = clients.git.create_repository(GitRepositoryCreateOptions(name="ghost"), project="College")
    other = clients.git.create_repository(GitRepositoryCreateOptions(name="elsewhere"), project="College")
    assert clients.git.query_import_requests("College", repo.id) == []
    failing = _import(clients, repo.id, "https://github.com/nobody/does-not-exist")
    _import(clients, other.id, "https://github.com/Azure-Samples/onnxruntime-iot-edge.git")
    (listed,) = clients.git.query_import_requests("College", repo.id)
    assert listed.import_request_id == failing.import_request_id and listed.status == "queued"
    assert listed.repository.id == repo.id
    assert listed.parameters.git_source.url == "https://github.com/nobody/does-not-exist"
    devops_sandbox.advance_clock(60)
    retried = _import(clients, repo.id, "https://github.com/Azure-Samples/onnxruntime-iot-edge.git")
    listed = clients.git.query_import_requests("College", repo.id, include_abandoned=True)
    assert [(r.import_request_id, r.status) for r in listed] == [
        (failing.import_request_id, "failed"), (retried.import_request_id, "queued")]
    by_name = clients.git.query_import_requests("College", "ghost")
    assert [r.import_request_id for r in by_name] == [r.import_request_id for r in listed]


def test_import_of_unreachable_remote_fails(clients, devops_sandbox):
    repo = clients.git.create_repository(GitRepositoryCreateOptions(name="ghost"), project="College")
    started = _import(clients, repo.id, "https://github.com/nobody/does-not-exist")
    devops_sandbox.advance_clock(60)
    failed = clients.git.get_import_request("College", repo.id, started.import_request_id)
    assert failed.status == "failed"
    assert "does-not-exist" in failed.detailed_status.error_message
    assert clients.git.get_refs(repo.id, "College") == []


def test_private_import_needs_valid_credentials(clients, devops_sandbox):
    repo = clients.git.create_repository(GitRepositoryCreateOptions(name="models"), project="College")
    anonymous = _import(clients, repo.id, "https://github.com/college-org/private-models")
    devops_sandbox.advance_clock(60)
    failed = clients.git.get_import_request("College", repo.id, anonymous.import_request_id)
    assert failed.status == "failed" and "Authentication failed" in failed.detailed_status.error_message
    github = next(e for e in clients.endpoints.get_service_endpoints("College") if e.type == "github")
    with_endpoint = _import(clients, repo.id, "https://github.com/college-org/private-models", github.id)
    devops_sandbox.advance_clock(60)
    assert clients.git.get_import_request("College", repo.id, with_endpoint.import_request_id).status == "completed"


PRIVATE = "https://github.com/college-org/private-models"
TOKEN = "ghp_sandboxCollegeBot0000000000000000000"  # sandbox/world/credentials.json


def test_private_import_with_a_git_connection_deleted_when_done(clients, devops_sandbox):
    repo = clients.git.create_repository(GitRepositoryCreateOptions(name="models"), project="College")
    endpoint_id = _git_connection(clients, "import-models", PRIVATE, TOKEN)
    started = _import(clients, repo.id, PRIVATE, endpoint_id, delete_endpoint=True)
    assert started.parameters.service_endpoint_id == endpoint_id
    assert started.parameters.delete_service_endpoint_after_import_is_done is True
    assert "import-models" in _endpoint_names(clients)  # needed while the import runs
    devops_sandbox.advance_clock(60)
    assert clients.git.get_import_request("College", repo.id, started.import_request_id).status == "completed"
    assert "import-models" not in _endpoint_names(clients)
    assert clients.git.get_repository(repo.id, "College").default_branch == "refs/heads/main"


def test_private_import_with_a_wrong_password_fails_and_still_deletes_the_connection(clients, devops_sandbox):
    repo = clients.git.create_repository(GitRepositoryCreateOptions(name="models"), project="College")
    wrong = _git_connection(clients, "import-wrong", PRIVATE, "ghp_wrong")
    kept = _git_connection(clients, "import-kept", PRIVATE, "ghp_wrong")
    failed = _import(clients, repo.id, PRIVATE, wrong, delete_endpoint=True)
    devops_sandbox.advance_clock(60)
    failed = clients.git.get_import_request("College", repo.id, failed.import_request_id)
    assert failed.status == "failed" and "Authentication failed" in failed.detailed_status.error_message
    assert "import-wrong" not in _endpoint_names(clients)
    _import(clients, repo.id, PRIVATE, kept)  # not asked to delete: the connection stays
    devops_sandbox.advance_clock(60)
    assert "import-kept" in _endpoint_names(clients)


def test_credentials_in_the_source_url_are_not_used_nor_echoed(clients, devops_sandbox):
    repo = clients.git.create_repository(GitRepositoryCreateOptions(name="models"), project="College")
    started = _import(clients, repo.id, f"https://college-bot:{TOKEN}@github.com/college-org/private-models")
    assert started.parameters.git_source.url == PRIVATE
    devops_sandbox.advance_clock(60)
    failed = clients.git.get_import_request("College", repo.id, started.import_request_id)
    assert failed.status == "failed" and "Authentication failed" in failed.detailed_status.error_message
    assert TOKEN not in failed.detailed_status.error_message


def test_import_with_an_unknown_connection_is_refused(clients):
    repo = clients.git.create_repository(GitRepositoryCreateOptions(name="models"), project="College")
    with pytest.raises(AzureDevOpsServiceError) as caught:
        _import(clients, repo.id, PRIVATE, "00000000-0000-0000-0000-000000000001", delete_endpoint=True)
    assert caught.value.type_key == "ServiceEndpointNotFoundException"


def test_import_into_non_empty_repository_conflicts(clients):
    repo = clients.git.get_repository("aidevcollege", "College")
    with pytest.raises(AzureDevOpsServiceError) as caught:
        _import(clients, repo.id, "https://github.com/Azure/aidevcollege")
    assert caught.value.type_key == "GitImportForbiddenOnNonEmptyRepository"


def test_refs_page_with_continuation_token(clients):
    repo = clients.git.get_repository("aidevcollege", "College")
    response = clients.git._send(
        http_method="GET", location_id="2d874a60-a811-4f62-9c9f-963a6ea0a55b", version="7.1-preview.1",
        route_values={"project": "College", "repositoryId": repo.id}, query_parameters={"$top": 2})
    first = response.json()["value"]
    token = response.headers["x-ms-continuationtoken"]
    rest = clients.git.get_refs(repo.id, "College", top=2, continuation_token=token)
    names = [r["name"] for r in first] + [r.name for r in rest]
    assert names == sorted(names) and len(names) == 3
