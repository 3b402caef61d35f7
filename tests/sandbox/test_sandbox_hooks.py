"""Service hooks through the real SDK: publishers, webHooks subscriptions (create, list, get, replace, delete), and
delivery of the documented event payloads when the world changes, with retries, probation and disabling."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.service_hooks.models import Subscription

from tests.sandbox.hook_receiver import HookReceiver

P = "College"
APPROVALS = "37794717-f36f-4d78-b2bf-4dc30d0cfbcd"
PENDING = "ms.vss-release.deployment-approval-pending-event"
COMPLETED = "ms.vss-release.deployment-completed-event"
BUILD = "build.complete"
RUN_STATE = "ms.vss-pipelines.run-state-changed-event"
YAML_PENDING = "ms.vss-pipelinechecks-events.approval-pending"
PUBLISHER = {PENDING: "rm", COMPLETED: "rm", BUILD: "tfs", RUN_STATE: "pipelines", YAML_PENDING: "pipelines"}
DEPLOY = 62  # QUEUED_SECONDS + DEPLOY_SECONDS of sandbox/state/releases.py
PEOPLE = {p["key"]: p for p in json.loads(
    (Path(__file__).resolve().parents[2] / "sandbox" / "world" / "college_team.json").read_text())["people"]}

# The top-level fields of the documented sample payloads (learn.microsoft.com, "Service hook events"), and the
# fields of each event's resource the samples show (azure-devops-docs service-hooks/events.md; Release.ts).
ENVELOPE = {"subscriptionId", "notificationId", "id", "eventType", "publisherId", "message", "detailedMessage",
            "resource", "resourceVersion", "resourceContainers", "createdDate"}
RESOURCE = {
    PENDING: {"approval", "release", "project"},
    COMPLETED: {"environment", "release", "project"},
    BUILD: {"id", "buildNumber", "status", "result", "definition", "project", "sourceBranch", "requestedFor",
            "_links", "url", "uri"},
    RUN_STATE: {"run", "pipeline"},
    YAML_PENDING: {"approval", "projectId", "pipeline", "run", "stage", "stageName", "attemptId"},
}


@pytest.fixture
def receiver():
    found = HookReceiver()
    yield found
    found.close()


def project_id(clients) -> str:
    return clients.core.get_project(P).id


def subscribe(clients, url: str, event_type: str, *, password: str = "s3cret", headers: str = "X-Hook:abc",
              **filters: str):
    inputs = {"url": url, "basicAuthUsername": "college-bot", "basicAuthPassword": password, "httpHeaders": headers}
    return clients.service_hooks.create_subscription(Subscription(
        publisher_id=PUBLISHER[event_type], event_type=event_type, consumer_id="webHooks",
        consumer_action_id="httpRequest", publisher_inputs={"projectId": project_id(clients), **filters},
        consumer_inputs=inputs))


def definition_id(clients) -> int:
    return next(d.id for d in clients.release.get_release_definitions(P) if d.name == "TinyYOLO to IoT Edge")


def check_shape(body: dict, event_type: str) -> None:
    assert set(body) == ENVELOPE
    assert body["eventType"] == event_type and body["publisherId"] == PUBLISHER[event_type]
    assert RESOURCE[event_type] <= set(body["resource"])
    assert set(body["message"]) == {"text", "html", "markdown"}


def settle(sandbox) -> None:
    """Any control call waits for the deliveries due (those an SDK call caused are made in the background)."""
    sandbox.advance_clock(0)


def test_publishers_and_event_types(clients):
    publishers = {p.id: p for p in clients.service_hooks.list_publishers()}
    assert {"rm", "tfs", "pipelines"} <= set(publishers)
    assert {e.id for e in clients.service_hooks.list_event_types("rm")} == {PENDING, COMPLETED}
    assert clients.service_hooks.get_event_type("tfs", BUILD).name == "Build completed"


def test_subscription_lifecycle(clients, receiver):
    created = subscribe(clients, receiver.url, PENDING, releaseDefinitionId=str(definition_id(clients)))
    assert (created.status, created.consumer_id, created.consumer_action_id) == ("enabled", "webHooks", "httpRequest")
    assert created.consumer_inputs["basicAuthPassword"] == "********"  # secrets come back masked
    assert created.publisher_inputs["tfsSubscriptionId"]
    assert created.created_by.unique_name == PEOPLE["alice"]["upn"]
    assert [s.id for s in clients.service_hooks.list_subscriptions(publisher_id="rm")] == [created.id]
    assert clients.service_hooks.list_subscriptions(publisher_id="tfs") == []
    assert clients.service_hooks.get_subscription(created.id).event_type == PENDING

    created.status = "disabledByUser"
    replaced = clients.service_hooks.replace_subscription(created, created.id)
    assert replaced.status == "disabledByUser"

    clients.service_hooks.delete_subscription(created.id)
    with pytest.raises(AzureDevOpsServiceError) as missing:
        clients.service_hooks.get_subscription(created.id)
    assert missing.value.type_key == "SubscriptionNotFoundException"


def test_a_bad_subscription_is_400(clients):
    with pytest.raises(AzureDevOpsServiceError) as refused:
        clients.service_hooks.create_subscription(Subscription(
            publisher_id="rm", event_type="no.such.event", consumer_id="webHooks", consumer_action_id="httpRequest",
            consumer_inputs={"url": "http://127.0.0.1:1/x"}))
    assert refused.value.type_key == "EventTypeNotFoundException"
    with pytest.raises(AzureDevOpsServiceError):
        subscribe(clients, "not a url", PENDING)


def test_a_pending_approval_is_delivered_to_matching_subscriptions(devops_sandbox, clients, receiver):
    since = devops_sandbox.last_seq()
    mine = subscribe(clients, receiver.url, PENDING, releaseDefinitionId=str(definition_id(clients)))
    subscribe(clients, receiver.url, PENDING, releaseDefinitionId="999")  # another definition: filtered out
    made = devops_sandbox.pending_approval("carol", release_id=3, stage="QA")

    (delivery,) = receiver.received
    body = delivery.body
    check_shape(body, PENDING)
    assert body["subscriptionId"] == mine.id
    assert body["resource"]["approval"]["id"] == made["approval_id"]
    assert body["resource"]["release"]["id"] == 3
    assert delivery.headers["Authorization"] == "Basic " + base64.b64encode(b"college-bot:s3cret").decode()
    assert delivery.headers["X-Hook"] == "abc"
    logged = [r for r in devops_sandbox.requests(since) if r["origin"] == "hooks"]
    assert [(r["method"], r["path"], r["status"]) for r in logged] == [("POST", "/hooks", 200)]
    (notification,) = clients.service_hooks.get_notifications(mine.id)
    assert (notification.status, notification.result, notification.details.request_attempts) == (
        "completed", "succeeded", 1)


def test_deployments_complete_and_fail_on_the_clock(devops_sandbox, clients, receiver):
    every = subscribe(clients, receiver.url, COMPLETED)
    failures = subscribe(clients, receiver.url, COMPLETED, releaseEnvironmentStatus="16")
    carol = devops_sandbox.connection_as("carol").clients_v7_1.get_release_client()
    from azure.devops.v7_1.release.models import ReleaseApproval

    devops_sandbox.deploy_outcome(2, "Prod", "failed")
    pending = next(a for a in clients.release.get_approvals(P) if a.release.id == 2)
    carol.update_release_approval(ReleaseApproval(status="approved", comments="ok"), P, pending.id)
    devops_sandbox.advance_clock(DEPLOY)

    bodies = receiver.of(COMPLETED)
    assert sorted(b["subscriptionId"] for b in bodies) == sorted([every.id, failures.id])
    assert len({b["id"] for b in bodies}) == 1  # one event, one notification per subscription
    check_shape(bodies[0], COMPLETED)
    environment = bodies[0]["resource"]["environment"]
    assert (environment["name"], environment["status"], environment["release"]["id"]) == ("Prod", "rejected", 2)


def test_a_yaml_run_completing_raises_build_and_run_events(devops_sandbox, clients, receiver):
    subscribe(clients, receiver.url, BUILD, buildStatus="Failed")
    subscribe(clients, receiver.url, RUN_STATE, pipelineId="1")
    carol = devops_sandbox.connection_as("carol").clients_v7_1.get_pipelines_client()
    pending = carol._send(http_method="GET", location_id=APPROVALS, version="7.1-preview.1",
                          route_values={"project": P}, query_parameters={"state": "pending"}).json()["value"]
    carol._send(http_method="PATCH", location_id=APPROVALS, version="7.1-preview.1", route_values={"project": P},
                content=[{"approvalId": pending[0]["id"], "status": "rejected", "comment": "no"}])
    settle(devops_sandbox)

    (build,) = receiver.of(BUILD)
    check_shape(build, BUILD)
    assert (build["resource"]["id"], build["resource"]["result"]) == (102, "failed")
    assert build["resource"]["requestedFor"]["uniqueName"] == PEOPLE["bob"]["upn"]
    (run,) = receiver.of(RUN_STATE)
    check_shape(run, RUN_STATE)
    assert (run["resource"]["run"]["id"], run["resource"]["run"]["state"]) == (102, "completed")


def test_a_yaml_approval_pending_is_delivered(devops_sandbox, clients, receiver):
    subscribe(clients, receiver.url, YAML_PENDING, pipelineId="1")
    made = devops_sandbox.pending_approval("carol", run_id=102, environment="edge-staging")
    (body,) = receiver.of(YAML_PENDING)
    check_shape(body, YAML_PENDING)
    assert body["resource"]["approval"]["id"] == made["approval_id"]


def test_an_enduring_failure_puts_the_subscription_on_probation_then_disables_it(devops_sandbox, clients,
                                                                                  receiver):
    receiver.status = 500
    created = subscribe(clients, receiver.url, PENDING)
    devops_sandbox.pending_approval("carol", release_id=3, stage="QA")
    assert len(receiver.received) == 1
    assert clients.service_hooks.get_subscription(created.id).status == "onProbation"

    devops_sandbox.advance_clock(20 * 60)  # the first probation retry
    assert len(receiver.received) == 2
    devops_sandbox.advance_clock(36 * 3600)  # 40 min, 80 min, ... 15 h: all retries fail
    assert len(receiver.received) == 8
    assert {d.body["id"] for d in receiver.received} == {receiver.received[0].body["id"]}  # the same event
    gone = clients.service_hooks.get_subscription(created.id)
    assert gone.status == "disabledBySystem"
    (notification,) = clients.service_hooks.get_notifications(created.id)
    assert (notification.result, notification.details.request_attempts) == ("failed", 8)

    devops_sandbox.pending_approval("carol", release_id=2, stage="Prod")  # a disabled subscription gets nothing
    assert len(receiver.received) == 8


def test_a_transient_failure_is_retried_within_seconds_and_a_success_ends_probation(devops_sandbox, clients,
                                                                                    receiver):
    receiver.status = 503
    created = subscribe(clients, receiver.url, PENDING)
    devops_sandbox.pending_approval("carol", release_id=3, stage="QA")
    devops_sandbox.advance_clock(1)
    assert len(receiver.received) == 2
    assert clients.service_hooks.get_subscription(created.id).status == "enabled"  # transient: no probation yet
    receiver.status = 200
    devops_sandbox.advance_clock(2)
    assert len(receiver.received) == 3
    (notification,) = clients.service_hooks.get_notifications(created.id)
    assert (notification.result, notification.details.request_attempts) == ("succeeded", 3)


def test_410_disables_at_once(devops_sandbox, clients, receiver):
    receiver.status = 410
    created = subscribe(clients, receiver.url, PENDING)
    devops_sandbox.pending_approval("carol", release_id=3, stage="QA")
    assert clients.service_hooks.get_subscription(created.id).status == "disabledBySystem"


def test_deliveries_go_to_loopback_only(devops_sandbox, clients):
    since = devops_sandbox.last_seq()
    created = subscribe(clients, "https://example.com/hooks", PENDING)
    devops_sandbox.pending_approval("carol", release_id=3, stage="QA")
    (notification,) = clients.service_hooks.get_notifications(created.id)
    assert "loopback" in notification.details.error_message
    assert [r["status"] for r in devops_sandbox.requests(since) if r["origin"] == "hooks"] == [0]


def test_a_run_is_a_build(clients):
    build = clients.build.get_build(P, 101)
    assert (build.build_number, build.status, build.result) == ("20261125.1", "completed", "succeeded")
    assert (build.definition.name, build.source_branch) == ("tinyyolo-edge-deploy", "refs/heads/master")
    assert build.requested_for.unique_name == PEOPLE["bob"]["upn"]
    assert clients.build.get_build(P, 102).status == "inProgress"
    with pytest.raises(AzureDevOpsServiceError):
        clients.build.get_build(P, 999)
