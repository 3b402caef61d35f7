"""YAML pipelines, their runs, environments and environment approvals; an approved run finishes as the clock moves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from .ids import stable_id
from .world import World

FIRST_RUN_ID = 101
DEPLOY_SECONDS = 60


def seed(world: World, specs: list[dict], user: Callable[[str], str], now: datetime) -> None:
    """Pipelines of releases.json: ids from their position (pipelines from 1, runs from 101, environments from 1)."""
    project = world.project("College")
    run_id = FIRST_RUN_ID
    for pipeline_id, spec in enumerate(specs, start=1):
        world.pipelines[pipeline_id] = {
            "id": pipeline_id, "name": spec["name"], "folder": spec["folder"], "yaml_path": spec["yaml_path"],
            "repository": spec["repository"], "project_id": project.id, "revision": 1}
        by_name = {}
        for env_spec in spec["environments"]:
            env_id = len(world.environments) + 1
            by_name[env_spec["name"]] = world.environments[env_id] = {
                "id": env_id, "name": env_spec["name"], "description": env_spec["description"],
                "project_id": project.id, "created": now - timedelta(days=20), "created_by": user("alice"),
                "approvers": [user(key) for key in env_spec["approvers"]],
                "instructions": env_spec.get("instructions", "")}
        for run_spec in spec["runs"]:
            created = now - timedelta(hours=run_spec["created_hours_ago"])
            finished = (created + timedelta(minutes=run_spec["duration_minutes"])
                        if run_spec["duration_minutes"] else None)
            world.runs[run_id] = {
                "id": run_id, "pipeline_id": pipeline_id, "name": run_spec["name"], "state": run_spec["state"],
                "result": run_spec["result"], "created": created, "finished": finished, "finish_at": None,
                "requested_by": user(run_spec["requested_by"])}
            for item in run_spec["approvals"]:
                env = by_name[item["environment"]]
                approval = new_approval(world, world.runs[run_id], env, created + timedelta(minutes=5))
                if item["status"] != "pending":
                    at = now - timedelta(hours=item["at_hours_ago"])
                    _record(approval, approval["steps"][0], item["status"], user(item["by"]), item["comment"], at)
            run_id += 1


def new_approval_id(run: dict, env: dict) -> str:
    return stable_id("pipeline-approval", str(run["id"]), env["name"])


def new_approval(world: World, run: dict, env: dict, at: datetime) -> dict:
    """A pending approval of ``run`` for ``env``: one step per approver, the requester blocked."""
    approval_id = new_approval_id(run, env)
    steps = [{"assigned": key, "actual": None, "status": "pending", "comment": None, "initiated": at,
              "modified": at, "order": order} for order, key in enumerate(env["approvers"], start=1)]
    approval = {"id": approval_id, "run_id": run["id"], "environment_id": env["id"], "status": "pending",
                "created": at, "modified": at, "instructions": env["instructions"], "min_required": 1,
                "blocked": [run["requested_by"]], "steps": steps}
    world.pipeline_approvals[approval_id] = approval
    return approval


def _record(approval: dict, step: dict, status: str, by: str, comment: str, at: datetime) -> None:
    step.update(status=status, actual=by, comment=comment, modified=at)
    approval.update(status=status, modified=at)


def decide(world: World, approval: dict, step: dict, status: str, by: str, comment: str, at: datetime) -> None:
    """The step is decided; the run deploys (approved) or ends failed (rejected)."""
    _record(approval, step, status, by, comment, at)
    run = world.runs[approval["run_id"]]
    if status == "approved":
        run["finish_at"] = at + timedelta(seconds=DEPLOY_SECONDS)
    else:
        run.update(state="completed", result="failed", finished=at)


def advance(world: World, now: datetime) -> None:
    """Approved runs whose deployment time has passed are completed."""
    for run in world.runs.values():
        if run["state"] == "inProgress" and run["finish_at"] is not None and run["finish_at"] <= now:
            run.update(state="completed", result="succeeded", finished=run["finish_at"], finish_at=None)
