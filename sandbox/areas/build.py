"""Build (main origin): the builds list across definitions, and one build by id. A YAML pipeline's run is its build
(run id = build id, pipeline id = definition id), as in the service, so this is the same world as
sandbox/areas/pipelines.py.

``GET {project}/_apis/build/builds`` (location 0cd358e1-…): ``definitions``, ``minTime``/``maxTime`` (on the time
``queryOrder`` names: finish, start or queue time; finish time by default), ``statusFilter``, ``resultFilter``,
``maxBuildsPerDefinition`` (with an order: the first N of each definition in that order), ``buildIds``,
``queryOrder`` (``finishTimeDescending`` default when a status of completed is asked, else ``queueTimeDescending``),
``$top`` (assumption: at most 1000 a page) and ``continuationToken`` (header ``x-ms-continuationtoken``).
"""

from __future__ import annotations

from datetime import datetime

from ..clock import iso
from ..http.context import RequestContext, collection
from ..http.errors import bad_request, not_found
from ..http.paging import page
from ..http.routing import AreaRoutes
from ..state import pipelines
from ..state.ids import stable_id
from .core import find_project
from .release import _identity
from .views import links

HOST = "main"
routes = AreaRoutes()

BUILDS = "0cd358e1-9217-4d94-8269-1c1ee6f93dcf"
MAX_TOP = 1000
ORDERS = {"finishtimeascending": ("finish", False), "finishtimedescending": ("finish", True),
          "queuetimeascending": ("queue", False), "queuetimedescending": ("queue", True),
          "starttimeascending": ("start", False), "starttimedescending": ("start", True)}
STATUSES = {"none", "inProgress", "completed", "cancelling", "postponed", "notStarted", "all"}
RESULTS = {"none", "succeeded", "partiallySucceeded", "failed", "canceled"}


def _time(run: dict, which: str) -> datetime | None:
    return run["finished"] if which == "finish" else run["created"]


def _status(run: dict) -> str:
    return "completed" if run["state"] == "completed" else "inProgress"


def build_view(ctx: RequestContext, run: dict) -> dict:
    pipeline = ctx.world.pipelines[run["pipeline_id"]]
    project = ctx.world.projects[pipeline["project_id"]]
    url = ctx.urls.of("main", f"{project.id}/_apis/build/Builds/{run['id']}")
    definition_url = ctx.urls.of("main", f"{project.id}/_apis/build/Definitions/{pipeline['id']}"
                                         f"?revision={pipeline['revision']}")
    requester = _identity(ctx, run["requested_by"])
    return {
        "_links": links(self=url, web=ctx.urls.of("main", f"{project.name}/_build/results?buildId={run['id']}"),
                        sourceVersionDisplayUri=url + "/sources", timeline=url + "/Timeline", badge=url + "/badge"),
        "properties": {}, "tags": [], "validationResults": [], "plans": [], "triggerInfo": {},
        "id": run["id"], "buildNumber": run["name"], "status": _status(run),
        **({"result": run["result"]} if run["state"] == "completed" and run["result"] else {}),
        "queueTime": iso(run["created"]), "startTime": iso(run["created"]),
        **({"finishTime": iso(run["finished"])} if run["finished"] else {}),
        "url": url,
        "definition": {"id": pipeline["id"], "name": pipeline["name"], "url": definition_url,
                       "uri": f"vstfs:///Build/Definition/{pipeline['id']}", "path": pipeline["folder"],
                       "type": "build", "queueStatus": "enabled", "revision": pipeline["revision"],
                       "project": {"id": project.id, "name": project.name, "url": ctx.urls.of(
                           "main", f"_apis/projects/{project.id}"), "state": "wellFormed",
                           "revision": project.revision, "visibility": project.visibility,
                           "lastUpdateTime": iso(project.created)}},
        "buildNumberRevision": 1,
        "project": {"id": project.id, "name": project.name, "url": ctx.urls.of("main", f"_apis/projects/{project.id}"),
                    "state": "wellFormed", "revision": project.revision, "visibility": project.visibility,
                    "lastUpdateTime": iso(project.created)},
        "uri": f"vstfs:///Build/Build/{run['id']}", "sourceBranch": "refs/heads/master", "sourceVersion": "c0ffee00",
        "priority": "normal", "reason": "manual", "requestedFor": requester, "requestedBy": requester,
        "lastChangedDate": iso(run["finished"] or run["created"]), "lastChangedBy": requester,
        "orchestrationPlan": {"planId": stable_id("plan", str(run["id"]))},
        "logs": {"id": 0, "type": "Container", "url": url + "/logs"},
        "repository": {"id": pipeline["repository"], "name": pipeline["repository"], "type": "TfsGit", "clean": None,
                       "checkoutSubmodules": False},
        "retainedByRelease": False, "triggeredByBuild": None, "appendCommitMessageToRunName": True,
    }


def get_build(ctx: RequestContext) -> dict:
    """One build by id (``GET {project}/_apis/build/builds/{buildId}``): the bot reads a build back after a
    ``build.complete`` service hook (its branch and who it was requested for)."""
    project = find_project(ctx.world, ctx.value("project"))
    pipelines.advance(ctx.world, ctx.now)
    raw = ctx.value("buildId") or ""
    run = ctx.world.runs.get(int(raw)) if raw.isdigit() else None
    if run is None or ctx.world.pipelines[run["pipeline_id"]]["project_id"] != project.id:
        raise not_found(f"TF215027: The build {raw} could not be found.", "BuildNotFoundException")
    return build_view(ctx, run)


@routes.get(BUILDS)
def get_builds(ctx: RequestContext):
    if ctx.value("buildId"):  # the same location serves the list and one build
        return get_build(ctx)
    project = find_project(ctx.world, ctx.value("project"))
    pipelines.advance(ctx.world, ctx.now)
    found = [r for r in ctx.world.runs.values() if ctx.world.pipelines[r["pipeline_id"]]["project_id"] == project.id]
    definitions = {p.strip() for p in (ctx.arg("definitions") or "").split(",") if p.strip()}
    if definitions:
        found = [r for r in found if str(r["pipeline_id"]) in definitions]
    ids = {p.strip() for p in (ctx.arg("buildIds") or "").split(",") if p.strip()}
    if ids:
        found = [r for r in found if str(r["id"]) in ids]
    status = ctx.arg("statusFilter") or "all"
    if status not in STATUSES:
        raise bad_request(f"The value '{status}' is not valid for parameter 'statusFilter'.")
    if status not in ("all", "none"):
        found = [r for r in found if _status(r) == status]
    result = ctx.arg("resultFilter")
    if result:
        if result not in RESULTS:
            raise bad_request(f"The value '{result}' is not valid for parameter 'resultFilter'.")
        found = [r for r in found if r["state"] == "completed" and r["result"] == result]
    default_order = "finishTimeDescending" if status == "completed" else "queueTimeDescending"
    order = (ctx.arg("queryOrder") or default_order).lower()
    if order not in ORDERS:
        raise bad_request(f"The value '{ctx.arg('queryOrder')}' is not valid for parameter 'queryOrder'.")
    which, descending = ORDERS[order]
    low, high = ctx.time_arg("minTime"), ctx.time_arg("maxTime")
    if low is not None or high is not None:
        found = [r for r in found if _time(r, which) is not None and (low is None or _time(r, which) >= low)
                 and (high is None or _time(r, which) <= high)]
    found.sort(key=lambda r: (_time(r, which) is not None, _time(r, which) or ctx.now, r["id"]), reverse=descending)
    per_definition = ctx.int_arg("maxBuildsPerDefinition")
    if per_definition is not None and per_definition > 0:
        counts: dict[int, int] = {}
        kept = []
        for run in found:
            counts[run["pipeline_id"]] = counts.get(run["pipeline_id"], 0) + 1
            if counts[run["pipeline_id"]] <= per_definition:
                kept.append(run)
        found = kept
    top = ctx.int_arg("$top")
    chunk, token = page(found, ctx.arg("continuationToken"), ctx.page_size(min(top or MAX_TOP, MAX_TOP), MAX_TOP))
    return collection([build_view(ctx, r) for r in chunk], token)
