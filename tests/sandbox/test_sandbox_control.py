"""Control API: faults, request log, clock, reset."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time

import pytest
import requests
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.git.models import GitRepositoryCreateOptions
from msrest.exceptions import ClientRequestError

REPOS = r"/_apis/git/repositories$"


def test_429_carries_retry_after_and_rate_limit_headers(clients, devops_sandbox):
    # msrest (urllib3 2.x) never retries a POST, so the SDK sees the single 429.
    devops_sandbox.add_fault(method="POST", path_regex=REPOS, status=429, retry_after=3, count=1)
    since = devops_sandbox.last_seq()
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.git.create_repository(GitRepositoryCreateOptions(name="throttled"), project="College")
    assert caught.value.type_key == "RequestBlockedException"
    assert [e["status"] for e in devops_sandbox.requests(since)] == [429]
    assert "throttled" not in [r.name for r in clients.git.get_repositories("College")]
    devops_sandbox.add_fault(method="GET", path_regex=REPOS, status=429, retry_after=7, count=1)
    response = requests.get(f"{devops_sandbox.org_url}/College/_apis/git/repositories", auth=("", devops_sandbox.pat),
                            headers={"Accept": "application/json;api-version=7.1-preview.1"}, timeout=10)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert {"X-RateLimit-Resource", "X-RateLimit-Delay", "X-RateLimit-Limit", "X-RateLimit-Remaining",
            "X-RateLimit-Reset"} <= set(response.headers)
    assert [r.name for r in clients.git.get_repositories("College")] == ["aidevcollege"]  # count used up


def test_503_then_recovery(clients, devops_sandbox):
    devops_sandbox.add_fault(method="POST", path_regex=REPOS, status=503)
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.git.create_repository(GitRepositoryCreateOptions(name="later"), project="College")
    assert caught.value.type_key == "ServiceUnavailableException"
    devops_sandbox.clear_faults()
    assert clients.git.create_repository(GitRepositoryCreateOptions(name="later"), project="College").name == "later"


def test_after_phase_applies_the_change_then_fails(clients, devops_sandbox):
    devops_sandbox.add_fault(method="POST", path_regex=REPOS, status=500, phase="after", count=1)
    with pytest.raises(AzureDevOpsServiceError):
        clients.git.create_repository(GitRepositoryCreateOptions(name="half-done"), project="College")
    assert "half-done" in [r.name for r in clients.git.get_repositories("College")]


def test_dropped_connection(clients, devops_sandbox):
    devops_sandbox.add_fault(method="POST", path_regex=REPOS, drop=True)
    since = devops_sandbox.last_seq()
    with pytest.raises(ClientRequestError):
        clients.git.create_repository(GitRepositoryCreateOptions(name="dropped"), project="College")
    assert [(e["method"], e["status"]) for e in devops_sandbox.requests(since)] == [("POST", 0)]
    assert "dropped" not in [r.name for r in clients.git.get_repositories("College")]


def test_a_delay_alone_is_a_slow_but_successful_call_and_its_count_is_honoured(clients, devops_sandbox):
    """No clock in this test: that a delay really holds a call is shown where a long one is seen in flight
    (test_a_call_delayed_across_a_reset_never_reaches_the_new_world, test_stop_cancels_a_long_delay_in_flight)."""
    rule = devops_sandbox.add_fault(method="GET", path_regex=REPOS, delay_ms=300, count=1)
    assert devops_sandbox.faults() == [rule]
    assert rule["delay_ms"] == 300 and rule["count"] == 1 and rule["status"] is None and not rule["drop"]
    since = devops_sandbox.last_seq()
    assert [r.name for r in clients.git.get_repositories("College")] == ["aidevcollege"]  # the answer arrives
    assert devops_sandbox.faults() == []  # one call used it up
    assert [r.name for r in clients.git.get_repositories("College")] == ["aidevcollege"]
    assert [(e["method"], e["status"]) for e in devops_sandbox.requests(since)] == [("GET", 200), ("GET", 200)]


def _in_background(call) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["status"] = call().status_code
        except requests.RequestException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _wait_until_held(devops_sandbox) -> None:
    """A ``count=1`` rule leaves the list when a call takes it: from then on that call is being delayed."""
    deadline = time.monotonic() + 10
    while devops_sandbox.faults() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert devops_sandbox.faults() == [], "the delayed call never arrived"


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_call_delayed_across_a_reset_never_reaches_the_new_world(clients, devops_sandbox, method):
    """A slow call of one test must not change the next test's fresh world nor show in its request log."""
    seeded = clients.git.get_repository("aidevcollege", "College").id
    url = f"{devops_sandbox.org_url}/College/_apis/git/repositories"
    headers = {"Accept": "application/json;api-version=7.1-preview.1"}
    auth = ("", devops_sandbox.pat)
    if method == "POST":
        def call():
            return requests.post(url, json={"name": "from-the-old-world"}, auth=auth, headers=headers, timeout=60)
    else:
        def call():
            return requests.delete(f"{url}/{seeded}", auth=auth, headers=headers, timeout=60)
    devops_sandbox.add_fault(method=method, path_regex="/_apis/git/repositories", delay_ms=120_000, count=1)
    before = devops_sandbox.last_seq()
    caller, outcome = _in_background(call)
    _wait_until_held(devops_sandbox)
    assert caller.is_alive() and devops_sandbox.requests(before) == []  # held: no answer, nothing logged yet

    since = devops_sandbox.last_seq()  # as the next test's fixture does: reset, then count from here
    devops_sandbox.reset()
    caller.join(10)  # the reset cancels the delay: the caller is not left waiting for two minutes
    assert not caller.is_alive() and "error" in outcome, outcome  # its connection closed without an answer
    assert [r.name for r in clients.git.get_repositories("College")] == ["aidevcollege"]
    assert clients.git.get_repository("aidevcollege", "College").id == seeded
    entries = devops_sandbox.requests(since)
    assert entries and {e["method"] for e in entries} <= {"GET", "OPTIONS"}, entries
    assert all(e["status"] == 200 for e in entries), entries


def test_faults_can_be_listed_and_cleared(devops_sandbox):
    devops_sandbox.add_fault(path_regex="x", status=500)
    assert len(devops_sandbox.faults()) == 1
    assert devops_sandbox.clear_faults() == 1
    assert devops_sandbox.faults() == []


def test_invalid_fault_is_refused(devops_sandbox):
    from tests.sandbox_fixtures import ControlError
    with pytest.raises(ControlError):
        devops_sandbox.add_fault(path_regex="(", status=500)


def test_request_log_counts_api_calls_but_not_control_calls(clients, devops_sandbox):
    since = devops_sandbox.last_seq()
    clients.git.get_repositories("College")
    devops_sandbox.advance_clock(1)
    entries = devops_sandbox.requests(since)
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 200)]
    entry = entries[0]
    assert entry["path"].endswith("/College/_apis/git/repositories") and entry["seq"] > since
    assert {"seq", "method", "host", "path", "status", "ms"} <= set(entry)


def test_reset_restores_the_seed(clients, devops_sandbox):
    clients.git.create_repository(GitRepositoryCreateOptions(name="temporary"), project="College")
    devops_sandbox.add_fault(path_regex="nothing-matches", status=500)
    devops_sandbox.reset()
    assert [r.name for r in clients.git.get_repositories("College")] == ["aidevcollege"]
    assert devops_sandbox.faults() == []


def test_control_api_needs_the_pat(devops_sandbox):
    response = requests.post(f"{devops_sandbox.control_url}/reset", timeout=10)
    assert response.status_code == 401


def test_a_fault_can_match_the_query_string_to_single_out_one_connection(clients, devops_sandbox):
    from azure.devops.v7_1.service_endpoint.models import DataSourceDetails, ServiceEndpointRequest

    endpoints = {e.name: e for e in clients.endpoints.get_service_endpoints("College")}
    github = endpoints["GitHub"].id
    devops_sandbox.add_fault(method="POST", path_regex=rf"/endpointproxy\?.*endpointId={github}", status=503)
    request = ServiceEndpointRequest(data_source_details=DataSourceDetails(data_source_name="TestConnection"))
    with pytest.raises(AzureDevOpsServiceError) as caught:
        clients.endpoints.execute_service_endpoint_request(request, "College", github)
    assert caught.value.type_key == "ServiceUnavailableException"
    aml = endpoints["aml-workspace-connection"].id
    other = clients.endpoints.execute_service_endpoint_request(request, "College", aml)
    assert other.status_code == "ok"
    # a regex anchored at the end of the path still matches a call that has a query string
    devops_sandbox.clear_faults()
    devops_sandbox.add_fault(method="GET", path_regex=r"/serviceendpoint/endpoints$", status=500, count=1)
    response = requests.get(f"{devops_sandbox.org_url}/College/_apis/serviceendpoint/endpoints?type=github",
                            auth=("", devops_sandbox.pat), timeout=10,
                            headers={"Accept": "application/json;api-version=7.1-preview.4"})
    assert response.status_code == 500


def test_stop_cancels_a_long_delay_in_flight():
    import threading

    from sandbox.embedded import SandboxThread

    runner = SandboxThread()
    sandbox = runner.start()
    sandbox.faults.add({"path_regex": "/git/repositories", "delay_ms": 120_000})
    outcome: dict = {}

    def call() -> None:
        try:
            outcome["status"] = requests.get(f"{sandbox.org_url}/College/_apis/git/repositories",
                                             auth=("", sandbox.pat), timeout=60).status_code
        except requests.RequestException as exc:
            outcome["error"] = exc

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 10
    while not len(sandbox.delays) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(sandbox.delays) == 1
    runner.stop(timeout=5)  # would raise TimeoutError if it waited for the delay
    caller.join(10)
    assert not caller.is_alive() and "error" in outcome, outcome  # the connection closed without an answer
    assert sandbox.request_log.since(0)[-1]["status"] == 0


def test_a_held_call_whose_client_goes_away_still_takes_effect_once(clients, devops_sandbox):
    """As the service does: a call that has arrived is carried out even when its client disconnects (or is
    killed) while the call is held; the client just never sees the answer."""
    from urllib.parse import urlsplit

    devops_sandbox.add_fault(method="POST", path_regex="/_apis/git/repositories", delay_ms=1500, count=1)
    parts = urlsplit(devops_sandbox.org_url)
    body = json.dumps({"name": "created-while-nobody-waited"}).encode()
    token = base64.b64encode(f":{devops_sandbox.pat}".encode()).decode()
    request = (f"POST {parts.path}/College/_apis/git/repositories HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               f"Authorization: Basic {token}\r\nAccept: application/json;api-version=7.1-preview.1\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((parts.hostname, parts.port)) as client:
        client.sendall(request)
        _wait_until_held(devops_sandbox)
    # the client is gone; the call completes when its delay ends (bounded wait, no clock in the assertion)
    deadline = time.monotonic() + 30
    names: list[str] = []
    while time.monotonic() < deadline:
        names = [r.name for r in clients.git.get_repositories("College")]
        if "created-while-nobody-waited" in names:
            break
        time.sleep(0.05)
    assert names.count("created-while-nobody-waited") == 1, names
