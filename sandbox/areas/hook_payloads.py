"""The JSON a service hook notification POSTs: the envelope and each event type's ``resource``, in the shapes of
the documented samples (learn.microsoft.com "Service hook events") with the sandbox's own objects inside."""

from __future__ import annotations

from multidict import CIMultiDict, CIMultiDictProxy

from ..clock import iso
from ..http.context import RequestContext, Urls
from ..state import releases
from ..state.hooks import EVENT_TYPES, Event
from ..state.ids import stable_id
from ..state.world import World
from .build import build_view
from .pipelines import _approval_view, _pipeline_view, _run_view
from .release_views import approval_view, definition_reference, environment_view, release_view


def _context(world: World, urls: Urls, now) -> RequestContext:
    return RequestContext(method="GET", world=world, now=now, urls=urls, location={}, values={},
                          query=CIMultiDictProxy(CIMultiDict()), version=None)


def _project(ctx: RequestContext, project_id: str) -> dict:
    project = ctx.world.projects[project_id]
    return {"id": project.id, "name": project.name}


def _message(text: str, url: str) -> dict:
    return {"text": text, "html": f"<a href=\"{url}\">{text}</a>", "markdown": f"[{text}]({url})"}


def payload(world: World, urls: Urls, event: Event, subscription_id: str, notification_id: int) -> dict:
    """What is POSTed for ``event`` to one subscription (``notificationId`` is that subscription's notification)."""
    ctx = _context(world, urls, event.at)
    resource, text, web = _RESOURCES[event.event_type](ctx, event)
    project = _project(ctx, event.project_id)
    return {
        "subscriptionId": subscription_id, "notificationId": notification_id, "id": event.id,
        "eventType": event.event_type, "publisherId": event.publisher_id,
        "message": _message(text, web), "detailedMessage": _message(text, web),
        "resource": resource, "resourceVersion": _version(event),
        "resourceContainers": {"collection": {"id": stable_id("collection", world.organization)},
                               "account": {"id": stable_id("account", world.organization)},
                               "project": {"id": project["id"]}},
        "createdDate": iso(event.at),
    }


def _version(event: Event) -> str:
    return EVENT_TYPES[event.publisher_id][event.event_type][1]


def _release_web(ctx: RequestContext, release: dict) -> str:
    project = ctx.world.projects[release["project_id"]]
    return ctx.urls.of("main", f"{project.name}/_releaseProgress?_a=release-pipeline-progress"
                               f"&releaseId={release['id']}")


def _approval_pending(ctx: RequestContext, event: Event) -> tuple[dict, str, str]:
    approval = ctx.world.approvals[event.subject["approval_id"]]
    release = ctx.world.releases[approval["release_id"]]
    env = releases.environment(release, approval["environment_id"])
    web = _release_web(ctx, release)
    resource = {
        "approval": approval_view(ctx, approval),
        "release": release_view(ctx, release, set(), full=True),
        "project": _project(ctx, release["project_id"]),
    }
    return resource, f"Deployment approval pending for {env['name']} of {release['name']}.", web


def _deployment_completed(ctx: RequestContext, event: Event) -> tuple[dict, str, str]:
    release = ctx.world.releases[event.subject["release_id"]]
    env = releases.environment(release, event.subject["environment_id"])
    web = _release_web(ctx, release)
    stage = environment_view(ctx, release, env)
    stage["release"] = {"id": release["id"], "name": release["name"], "_links": {"web": {"href": web}}}
    resource = {
        "environment": stage,
        "release": release_view(ctx, release, set(), full=True),
        "project": _project(ctx, release["project_id"]),
        "deployment": {"id": env["id"] * 100 + env["attempt"], "attempt": env["attempt"],
                       "deploymentStatus": "succeeded" if env["status"] == "succeeded" else "failed",
                       "releaseDefinition": definition_reference(ctx, releases.definition_of(ctx.world, release))},
        "stageName": env["name"], "attemptId": env["attempt"],
    }
    return resource, f"Deployment of release {release['name']} on stage {env['name']} {env['status']}.", web


def _build(ctx: RequestContext, event: Event) -> tuple[dict, str, str]:
    run = ctx.world.runs[event.subject["run_id"]]
    resource = build_view(ctx, run)
    return resource, f"Build {run['name']} {run['result']}", resource["_links"]["web"]["href"]


def _run_state(ctx: RequestContext, event: Event) -> tuple[dict, str, str]:
    run = ctx.world.runs[event.subject["run_id"]]
    pipeline = ctx.world.pipelines[run["pipeline_id"]]
    view = _run_view(ctx, run)
    resource = {"run": view, "pipeline": _pipeline_view(ctx, pipeline), "repositories": []}
    return resource, f"Run {run['name']} of {pipeline['name']} {run['state']} ({run['result']}).", \
        view["_links"]["web"]["href"]


def _run_approval_pending(ctx: RequestContext, event: Event) -> tuple[dict, str, str]:
    approval = ctx.world.pipeline_approvals[event.subject["approval_id"]]
    run = ctx.world.runs[approval["run_id"]]
    pipeline = ctx.world.pipelines[run["pipeline_id"]]
    env = ctx.world.environments[approval["environment_id"]]
    view = _approval_view(ctx, approval, steps=True)
    resource = {"approval": view, "projectId": pipeline["project_id"], "pipeline": None, "run": None,
                "stage": None, "stageName": None, "attemptId": 0}
    project = ctx.world.projects[pipeline["project_id"]]
    web = ctx.urls.of("main", f"{project.name}/_build/results?buildId={run['id']}")
    return resource, f"Approval pending for {env['name']} in run {run['name']} of {pipeline['name']}.", web


_RESOURCES = {
    "ms.vss-release.deployment-approval-pending-event": _approval_pending,
    "ms.vss-release.deployment-completed-event": _deployment_completed,
    "build.complete": _build,
    "ms.vss-pipelines.run-state-changed-event": _run_state,
    "ms.vss-pipelinechecks-events.approval-pending": _run_approval_pending,
}
