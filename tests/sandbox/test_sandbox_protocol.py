"""Protocol fidelity: OPTIONS, ResourceAreas, hosts, case, api-version, auth, error shapes."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from azure.devops.exceptions import AzureDevOpsAuthenticationError

RECORDED = "reference/azure-devops-rest-7.1/recorded/"


def _call(url, pat, method="GET", accept="application/json", body=None):
    headers = {"Accept": accept, "Content-Type": "application/json"}
    if pat is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f":{pat}".encode()).decode()
    request = urllib.request.Request(url, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _area_list(devops_sandbox):
    status, _, body = _call(f"{devops_sandbox.org_url}/_apis/ResourceAreas", devops_sandbox.pat)
    assert status == 200
    return json.loads(body)["value"]


def _areas(devops_sandbox):
    return {a["name"]: a["locationUrl"] for a in _area_list(devops_sandbox)}


def test_options_is_the_recorded_answer(devops_sandbox):
    from pathlib import Path
    recorded = json.loads((Path(__file__).resolve().parents[2] / RECORDED / "options-apis.json").read_text())
    status, _, body = _call(f"{devops_sandbox.org_url.lower()}/_apis", devops_sandbox.pat, method="OPTIONS")
    assert status == 200
    assert json.loads(body)["value"] == recorded["value"]


def test_every_area_is_on_loopback_and_the_special_hosts_have_their_own_origin(devops_sandbox):
    assert len(_area_list(devops_sandbox)) == 230
    areas = _areas(devops_sandbox)
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in areas.values())
    main = urlsplit(devops_sandbox.org_url).netloc
    netlocs = {name: urlsplit(areas[name]).netloc for name in
               ("core", "git", "serviceendpoint", "distributedtask", "Release", "Graph",
                "MemberEntitlementManagement", "ExtensionManagement")}
    assert {netlocs[n] for n in ("core", "git", "serviceendpoint", "distributedtask")} == {main}
    special = [netlocs[n] for n in ("Release", "Graph", "MemberEntitlementManagement", "ExtensionManagement")]
    assert main not in special and len(set(special)) == 4


def test_a_call_to_the_wrong_host_is_404(devops_sandbox):
    areas = _areas(devops_sandbox)
    graph_origin = areas["Graph"].rstrip("/")
    status, _, _ = _call(f"{graph_origin}/College/_apis/git/repositories", devops_sandbox.pat)
    assert status == 404
    status, _, _ = _call(f"{devops_sandbox.org_url}/_apis/graph/users", devops_sandbox.pat)
    assert status == 404
    status, _, body = _call(f"{graph_origin}/_apis/graph/users", devops_sandbox.pat,
                            accept="application/json;api-version=7.1-preview.1")
    assert status == 200 and json.loads(body)["count"] >= 5


def test_routes_are_case_insensitive_and_version_comes_from_accept(devops_sandbox):
    url = f"{devops_sandbox.org_url.upper().replace('HTTP://', 'http://')}/COLLEGE/_APIS/GIT/REPOSITORIES"
    status, _, body = _call(url.replace("COLLEGE-ORG", "college-org"), devops_sandbox.pat,
                            accept="application/json;api-version=7.1-preview.1")
    assert status == 200 and json.loads(body)["value"][0]["name"] == "aidevcollege"


@pytest.mark.parametrize(("accept", "type_key"), [
    ("application/json;api-version=9.0", "VssVersionOutOfRangeException"),
    ("application/json;api-version=7.1", "VssInvalidPreviewVersionException"),
])
def test_api_version_is_checked_against_the_location(devops_sandbox, accept, type_key):
    status, _, body = _call(f"{devops_sandbox.org_url}/_apis/Graph/Users".replace(
        devops_sandbox.org_url, _areas(devops_sandbox)["Graph"].rstrip("/")), devops_sandbox.pat, accept=accept)
    assert status == 400 and json.loads(body)["typeKey"] == type_key


def test_a_write_without_api_version_is_refused(devops_sandbox):
    status, _, body = _call(f"{devops_sandbox.org_url}/College/_apis/git/repositories", devops_sandbox.pat,
                            method="POST", body={"name": "x"})
    assert status == 400 and json.loads(body)["typeKey"] == "VssVersionNotSpecifiedException"


def test_error_bodies_have_the_services_shape(devops_sandbox):
    status, headers, body = _call(f"{devops_sandbox.org_url}/College/_apis/git/repositories/nope",
                                  devops_sandbox.pat, accept="application/json;api-version=7.1-preview.1")
    error = json.loads(body)
    assert status == 404
    assert {"message", "typeName", "typeKey", "errorCode", "eventId"} <= set(error)
    assert error["typeKey"] == "GitRepositoryNotFoundException"
    assert error["typeName"].startswith("Microsoft.TeamFoundation.Git.Server.GitRepositoryNotFoundException")
    assert headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("pat", [None, "wrong"])
def test_missing_or_wrong_pat_is_401(devops_sandbox, pat):
    status, headers, _ = _call(f"{devops_sandbox.org_url}/_apis/projects", pat)
    assert status == 401
    assert "Basic" in headers["WWW-Authenticate"]


def test_sdk_with_a_wrong_pat_raises_authentication_error(devops_sandbox):
    # Making the client already asks the service (ResourceAreas) unless an earlier test left the SDK's location
    # cache warm, so the 401 may come from either step: both are inside the raises, whatever ran before.
    with pytest.raises(AzureDevOpsAuthenticationError):
        devops_sandbox.connection(pat="wrong").clients_v7_1.get_core_client().get_projects()


PROJECTS = "603fe2ac-9723-48b9-88ad-09305aa6c6e1"


def _projects_page(clients, **query):
    """One page of projects through the SDK's own routing (get_projects drops the continuation header)."""
    response = clients.core._send(http_method="GET", location_id=PROJECTS, version="7.1-preview.4",
                                  query_parameters=query)
    headers = {k.lower(): v for k, v in response.headers.items()}
    return [p["name"] for p in response.json()["value"]], headers.get("x-ms-continuationtoken")


@pytest.mark.parametrize("page_size", [1, None], ids=["reset-page-size", "top"])
def test_projects_page_with_continuation_token(clients, devops_sandbox, page_size):
    """Paged one project at a time (by a small-page reset, or by $top), the token is followed to the end."""
    everything, last = _projects_page(clients)
    assert everything == ["College", "Workshop Archive"] and last is None  # one page holds them all
    devops_sandbox.reset(page_size=page_size)
    query = {} if page_size else {"$top": 1}
    names, token = _projects_page(clients, **query)
    assert len(names) == 1 and token
    pages = 1
    while token:
        more, token = _projects_page(clients, continuationToken=token, **query)
        assert len(more) == 1
        names += more
        pages += 1
        assert pages <= len(everything), "the continuation token never ran out"
    assert names == everything
