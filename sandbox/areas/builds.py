"""Build (main origin): a build by id. YAML runs are builds (run id = build id), as on Azure DevOps; the bot reads a
build back after a ``build.complete`` service hook (its branch and who it was requested for)."""

from __future__ import annotations

from ..clock import iso
from ..http.context import RequestContext
from ..http.errors import not_found
from ..http.routing import AreaRoutes
from .core import find_project
from .release import _identity
from .views import links

HOST = "main"
routes = AreaRoutes()

BUILDS = "0cd358e1-9217-4d94-8269-1c1ee6f93dcf"
SOURCE_VERSION = "c0ffee00" * 5


def build_view(ctx: RequestContext, run: dict) -> dict:
    """A run as the Build API shows it (Build of build.json)."""
    pipeline = ctx.world.pipelines[run["pipeline_id"]]
    project = ctx.world.projects[pipeline["project_id"]]
    web = ctx.urls.of("main", f"{project.name}/_build/results?buildId={run['id']}")
    url = ctx.urls.of("main", f"{project.id}/_apis/build/Builds/{run['id']}")
    view = {
        "id": run["id"], "buildNumber": run["name"],
        "status": "completed" if run["state"] == "completed" else "inProgress",
        "queueTime": iso(run["created"]), "startTime": iso(run["created"]), "url": url,
        "uri": f"vstfs:///Build/Build/{run['id']}",
        "definition": {"id": pipeline["id"], "name": pipeline["name"], "path": pipeline["folder"], "type": "build",
                       "queueStatus": "enabled", "revision": pipeline["revision"],
                       "url": ctx.urls.of("main", f"{project.id}/_apis/build/Definitions/{pipeline['id']}")},
        "project": {"id": project.id, "name": project.name}, "sourceBranch": "refs/heads/master",
        "sourceVersion": SOURCE_VERSION, "reason": "manual",
        "requestedFor": _identity(ctx, run["requested_by"]), "requestedBy": _identity(ctx, run["requested_by"]),
        "repository": {"id": pipeline["repository"], "type": "TfsGit"},
        "_links": links(self=url, web=web),
    }
    if run["state"] == "completed":
        view.update(result=run["result"], finishTime=iso(run["finished"]))
    return view


@routes.get(BUILDS)
def get_build(ctx: RequestContext):
    project = find_project(ctx.world, ctx.value("project"))
    raw = ctx.value("buildId") or ""
    run = ctx.world.runs.get(int(raw)) if raw.isdigit() else None
    if run is None or ctx.world.pipelines[run["pipeline_id"]]["project_id"] != project.id:
        raise not_found(f"TF215027: The build {raw} could not be found.", "BuildNotFoundException")
    return build_view(ctx, run)
