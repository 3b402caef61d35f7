"""A scale seed (``POST /_sandbox/seed``): many YAML pipelines with runs, many release definitions with releases,
added to the world as it is, so a client's cost at scale can be measured (bench/digest_cost.py).

Everything is deterministic from the counts and the clock:

* pipeline ``scale-pipeline-NNNN`` (ids after the seeded ones) has ``runs_per_pipeline`` completed runs, the newest
  finished about 1 h ago and the others 30 h apart (so a day holds one run of each); run ``j`` of pipeline ``i``
  fails when ``(i + j) % 7 == 0``;
* release definition ``scale-release-NNNN`` has stages Dev → Prod (no approvers, except Prod of every 25th, which
  waits for ``approver``); it has a release created 30 h ago and, for every second definition, one 3 h ago; Prod of
  every 5th definition fails; every 20th has a third release created a minute ago, still deploying to Dev.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import releases
from .world import World

RUN_SPACING = timedelta(hours=30)
MAX_PIPELINES = 5000
MAX_DEFINITIONS = 1000
MAX_RUNS = 20


def seed_scale(world: World, now: datetime, *, pipelines: int, release_definitions: int, runs_per_pipeline: int,
               requested_by: str, approver: str) -> dict:
    project = world.project("College")
    first_pipeline = max(world.pipelines, default=0) + 1
    run_id = max(world.runs, default=100) + 1
    for offset in range(pipelines):
        pipeline_id = first_pipeline + offset
        world.pipelines[pipeline_id] = {
            "id": pipeline_id, "name": f"scale-pipeline-{offset + 1:04d}", "folder": "\\scale",
            "yaml_path": "/azure-pipelines.yml", "repository": "aidevcollege", "project_id": project.id,
            "revision": 1}
        for j in range(runs_per_pipeline):
            finished = now - timedelta(hours=1) - j * RUN_SPACING - timedelta(seconds=offset)
            world.runs[run_id] = {
                "id": run_id, "pipeline_id": pipeline_id, "name": f"2026.{offset + 1}.{runs_per_pipeline - j}",
                "state": "completed", "result": "failed" if (offset + j) % 7 == 0 else "succeeded",
                "created": finished - timedelta(minutes=4), "finished": finished, "finish_at": None,
                "requested_by": requested_by}
            run_id += 1
    first_definition = max(world.release_definitions, default=0) + 1
    template = world.release_definitions[min(world.release_definitions)]
    for offset in range(release_definitions):
        definition_id = first_definition + offset
        prod_approvers = [approver] if offset % 25 == 0 else []
        definition = world.release_definitions[definition_id] = {
            "id": definition_id, "project_id": project.id, "name": f"scale-release-{offset + 1:04d}",
            "description": "", "path": "\\scale", "release_name_format": "Release-$(rev:r)",
            "created_by": requested_by, "created": now - timedelta(days=30), "revision": 1,
            "artifacts": [dict(a) for a in template["artifacts"]],
            "environments": [
                {"id": definition_id * 10 + 1, "name": "Dev", "rank": 1, "after": None,
                 "release_creator_can_be_approver": False, "approvers": []},
                {"id": definition_id * 10 + 2, "name": "Prod", "rank": 2, "after": "Dev",
                 "release_creator_can_be_approver": False, "approvers": prod_approvers}]}
        ages = [timedelta(hours=30)] + ([timedelta(hours=3)] if offset % 2 == 0 else []) \
            + ([timedelta(minutes=1)] if offset % 20 == 0 else [])
        for age in ages:
            release = releases.create_release(world, definition, requested_by, now - age, dict(world.latest_versions))
            for env in release["environments"]:
                env["fail"] = env["name"] == "Prod" and offset % 5 == 0
    releases.advance(world, now)
    return {"pipelines": pipelines, "release_definitions": release_definitions,
            "runs_per_pipeline": runs_per_pipeline, "runs": pipelines * runs_per_pipeline,
            "releases": sum(1 for r in world.releases.values() if r["definition_id"] >= first_definition)}
