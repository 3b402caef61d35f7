"""Service hooks (webHooks consumer): subscriptions, the events the world's changes raise, and their notifications.

Events are found by comparing what the world shows now with what it showed at the last look (:func:`observe`,
called after every call and control operation): an approval that became pending, a release stage whose deployment
ended, a YAML run that completed, a YAML environment approval that became pending. Each event goes to every enabled
or on-probation subscription whose ``publisherInputs`` match it, as one notification (see sandbox/README.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from . import pipelines, releases
from .world import World

CONSUMER = "webHooks"
ACTION = "httpRequest"
SECRET_INPUTS = ("basicAuthPassword",)
MASK = "********"

# publisher id -> event type -> (name, resourceVersion sent, publisherInputs it filters on)
EVENT_TYPES: dict[str, dict[str, tuple[str, str, tuple[str, ...]]]] = {
    "rm": {
        "ms.vss-release.deployment-approval-pending-event": (
            "Release deployment approval pending", "3.0-preview.1",
            ("releaseDefinitionId", "releaseEnvironmentId", "releaseApprovalType")),
        "ms.vss-release.deployment-completed-event": (
            "Release deployment completed", "3.0-preview.1",
            ("releaseDefinitionId", "releaseEnvironmentId", "releaseEnvironmentStatus")),
    },
    "tfs": {
        "build.complete": ("Build completed", "2.0", ("definitionName", "buildStatus")),
    },
    "pipelines": {
        "ms.vss-pipelines.run-state-changed-event": (
            "Run state changed", "5.1-preview.1", ("pipelineId", "runStateId", "runResultId")),
        "ms.vss-pipelinechecks-events.approval-pending": (
            "Approval pending", "5.1-preview.1", ("pipelineId", "stageName", "environmentName")),
    },
}
PUBLISHER_NAMES = {"rm": "Release Management", "tfs": "Azure DevOps", "pipelines": "Pipelines"}

# rm's releaseEnvironmentStatus filter values (the service's EnvironmentStatus flags)
ENVIRONMENT_STATUS_CODES = {"succeeded": "4", "canceled": "8", "rejected": "16", "partiallySucceeded": "128"}
BUILD_STATUS = {"succeeded": "Succeeded", "partiallySucceeded": "PartiallySucceeded", "failed": "Failed",
                "canceled": "Stopped"}


@dataclass
class Event:
    """Something that happened, with the facts subscriptions filter on (``inputs``) and what builds its payload."""

    publisher_id: str
    event_type: str
    project_id: str
    inputs: dict[str, str]
    subject: dict  # what the payload is built from (sandbox/hooks_payloads.py)
    at: datetime
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class HookState:
    """The organization's subscriptions and notifications, and what the world showed at the last look."""

    subscriptions: dict[str, dict] = field(default_factory=dict)
    notifications: dict[int, dict] = field(default_factory=dict)
    next_notification_id: int = 1
    seen: dict[tuple, str] | None = None  # None: not looked yet (the first look raises nothing)


def state_of(world: World) -> HookState:
    """The world's service hooks (made on first use)."""
    if not isinstance(world.service_hooks, HookState):
        world.service_hooks = HookState()
    return world.service_hooks


def _snapshot(world: World) -> dict[tuple, str]:
    shown: dict[tuple, str] = {}
    for approval in world.approvals.values():
        shown[("approval", approval["id"])] = approval["status"]
    for release in world.releases.values():
        for env in release["environments"]:
            shown[("stage", env["id"], env["attempt"])] = env["status"]
    for run in world.runs.values():
        shown[("run", run["id"])] = run["state"]
    for approval in world.pipeline_approvals.values():
        shown[("run_approval", approval["id"])] = approval["status"]
    return shown


def observe(world: World, hooks: HookState, now: datetime) -> list[Event]:
    """Moves the world to ``now`` and returns the events since the last look (none at the first)."""
    releases.advance(world, now)
    pipelines.advance(world, now)
    shown = _snapshot(world)
    before, hooks.seen = hooks.seen, shown
    if before is None:
        return []
    events: list[Event] = []
    for key, status in shown.items():
        if before.get(key) == status:
            continue
        kind = key[0]
        if kind == "approval" and status == "pending":
            events.append(_approval_pending(world, world.approvals[key[1]], now))
        elif kind == "stage" and status in ENVIRONMENT_STATUS_CODES:
            events.append(_deployment_completed(world, key[1], now))
        elif kind == "run" and status == "completed":
            run = world.runs[key[1]]
            events.extend(_run_completed(world, run, now))
        elif kind == "run_approval" and status == "pending":
            events.append(_run_approval_pending(world, world.pipeline_approvals[key[1]], now))
    return events


def _approval_pending(world: World, approval: dict, now: datetime) -> Event:
    release = world.releases[approval["release_id"]]
    env = releases.environment(release, approval["environment_id"])
    return Event("rm", "ms.vss-release.deployment-approval-pending-event", release["project_id"],
                 {"releaseDefinitionId": str(release["definition_id"]),
                  "releaseEnvironmentId": str(env["definition_environment_id"]), "releaseApprovalType": "1"},
                 {"approval_id": approval["id"]}, now)


def _deployment_completed(world: World, env_id: int, now: datetime) -> Event:
    release = world.releases[env_id // 10]
    env = releases.environment(release, env_id)
    return Event("rm", "ms.vss-release.deployment-completed-event", release["project_id"],
                 {"releaseDefinitionId": str(release["definition_id"]),
                  "releaseEnvironmentId": str(env["definition_environment_id"]),
                  "releaseEnvironmentStatus": ENVIRONMENT_STATUS_CODES[env["status"]]},
                 {"release_id": release["id"], "environment_id": env_id, "attempt": env["attempt"]}, now)


def _run_completed(world: World, run: dict, now: datetime) -> list[Event]:
    pipeline = world.pipelines[run["pipeline_id"]]
    result = run["result"] or "succeeded"
    return [
        Event("tfs", "build.complete", pipeline["project_id"],
              {"definitionName": pipeline["name"], "buildStatus": BUILD_STATUS.get(result, "Failed")},
              {"run_id": run["id"]}, now),
        Event("pipelines", "ms.vss-pipelines.run-state-changed-event", pipeline["project_id"],
              {"pipelineId": str(pipeline["id"]), "runStateId": "Completed",
               "runResultId": result[:1].upper() + result[1:]},
              {"run_id": run["id"]}, now),
    ]


def _run_approval_pending(world: World, approval: dict, now: datetime) -> Event:
    run = world.runs[approval["run_id"]]
    pipeline = world.pipelines[run["pipeline_id"]]
    env = world.environments[approval["environment_id"]]
    return Event("pipelines", "ms.vss-pipelinechecks-events.approval-pending", pipeline["project_id"],
                 {"pipelineId": str(pipeline["id"]), "environmentName": env["name"], "stageName": ""},
                 {"approval_id": approval["id"]}, now)


def matches(subscription: dict, event: Event) -> bool:
    """Whether ``event`` goes to ``subscription``: its publisher and event type, its project, every filter it sets
    (a filter left empty matches all; several values may be given comma-separated)."""
    if subscription["status"] not in ("enabled", "onProbation"):
        return False
    if (subscription["publisherId"], subscription["eventType"]) != (event.publisher_id, event.event_type):
        return False
    inputs = subscription["publisherInputs"]
    if inputs.get("projectId") and inputs["projectId"].lower() != event.project_id.lower():
        return False
    for name, value in event.inputs.items():
        wanted = str(inputs.get(name) or "").strip()
        if wanted and value.lower() not in {v.strip().lower() for v in wanted.split(",")}:
            return False
    return True
