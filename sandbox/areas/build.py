"""Build area (main origin): a build by id, as Azure DevOps shows every YAML pipeline run (run id = build id).

Only ``GET {project}/_apis/build/builds[/{buildId}]`` (location 0cd358e1-…, the SDK's ``BuildClient.get_build``):
the bot reads the run a pasted ``_build/results?buildId=N`` link names without knowing its pipeline.
"""

from __future__ import annotations

from ..clock import iso
from ..http.context import RequestContext, collection
from ..http.errors import not_found
from ..http.routing import AreaRoutes
from ..state import pipelines
from .core import find_project
from .release import _identity
from .views import links, project_reference

HOST = "main"
routes = AreaRoutes()

BUILDS = "0cd358e1-9217-4d94-8269-1c1ee6f93dcf"
STATUS_OF_STATE = {"inProgress": "inProgress", "completed": "completed", "canceling": "cancelling"}


def _build_view(ctx: RequestContext, run: dict) -> dict:
    pipeline = ctx.world.pipelines[run["pipeline_id"]]
    project = ctx.world.projects[pipeline["project_id"]]
    reference = project_reference(ctx.urls, project)
    url = ctx.urls.of("main", f"{project.id}/_apis/build/Builds/{run['id']}")
    requester = _identity(ctx, run["requested_by"])
    view = {
        "id": run["id"], "buildNumber": run["name"], "status": STATUS_OF_STATE.get(run["state"], "none"),
        "result": run["result"] or "none", "queueTime": iso(run["created"]), "startTime": iso(run["created"]),
        "finishTime": iso(run["finished"]), "url": url, "uri": f"vstfs:///Build/Build/{run['id']}",
        "definition": {"id": pipeline["id"], "name": pipeline["name"], "path": pipeline["folder"], "type": "build",
                       "queueStatus": "enabled", "revision": pipeline["revision"], "project": reference,
                       "uri": f"vstfs:///Build/Definition/{pipeline['id']}",
                       "url": ctx.urls.of("main", f"{project.id}/_apis/build/Definitions/{pipeline['id']}")},
        "project": reference, "reason": "manual", "priority": "normal", "sourceBranch": "refs/heads/master",
        "requestedBy": requester, "requestedFor": requester,
        "repository": {"id": pipeline["repository"], "type": "TfsGit", "name": pipeline["repository"]},
        "_links": links(self=url, web=ctx.urls.of("main", f"{project.name}/_build/results?buildId={run['id']}")),
    }
    return {key: value for key, value in view.items() if value is not None}  # no finishTime while it runs


@routes.get(BUILDS)
def get_builds(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    pipelines.advance(ctx.world, ctx.now)
    runs = sorted((r for r in ctx.world.runs.values()
                   if ctx.world.pipelines[r["pipeline_id"]]["project_id"] == project.id), key=lambda r: -r["id"])
    raw = ctx.value("buildId")
    if raw is None:
        return collection([_build_view(ctx, r) for r in runs[:1000]])
    run = next((r for r in runs if str(r["id"]) == raw), None)
    if run is None:
        raise not_found(f"The requested build {raw} could not be found.", "BuildNotFoundException")
    return _build_view(ctx, run)
