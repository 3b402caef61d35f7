"""Classic releases: stages triggered, approved and deployed as the sandbox clock moves (see sandbox/README.md).

A stage that is reached gets one pending pre-deployment approval per approver of its definition stage and waits
(``queued``); once every approval is approved it starts (``inProgress``) and, ``DEPLOY_SECONDS`` later, ends
``succeeded`` (the next stage is then reached) or ``rejected`` (a failed deployment, where the stage is seeded or
told to fail). Progress is computed lazily by :func:`advance`, called before every read or write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .world import World

QUEUED_SECONDS = 2
DEPLOY_SECONDS = 60
REDEPLOYABLE = {"succeeded", "partiallySucceeded", "rejected", "canceled"}


def definition_of(world: World, release: dict) -> dict:
    return world.release_definitions[release["definition_id"]]


def environment(release: dict, env_id: int) -> dict | None:
    return next((e for e in release["environments"] if e["id"] == env_id), None)


def _definition_env(world: World, release: dict, env: dict) -> dict:
    return next(e for e in definition_of(world, release)["environments"] if e["id"] == env["definition_environment_id"])


def create_release(world: World, definition: dict, created_by: str, at: datetime, versions: dict[str, str],
                   description: str = "", reason: str = "manual", manual: frozenset[str] = frozenset()) -> dict:
    """A new active release of ``definition``; its first stages are reached a second later (unless manual)."""
    release_id = world.next_release_id
    world.next_release_id += 1
    number = sum(1 for r in world.releases.values() if r["definition_id"] == definition["id"]) + 1
    release = {
        "id": release_id, "name": definition["release_name_format"].replace("$(rev:r)", str(number)),
        "definition_id": definition["id"], "project_id": definition["project_id"], "created_by": created_by,
        "created": at, "modified": at, "description": description, "reason": reason, "status": "active",
        "versions": dict(versions), "auto_start": at + timedelta(seconds=1),
        "environments": [
            {"id": release_id * 10 + env["rank"], "definition_environment_id": env["id"], "name": env["name"],
             "rank": env["rank"], "after": env["after"], "status": "notStarted", "attempt": 0,
             "manual": env["name"] in manual or env["after"] is not None, "fail": False, "ready_at": None,
             "queued_on": None, "started_on": None, "finished_on": None, "requested_by": created_by,
             "attempts": [], "created": at, "modified": at}
            for env in definition["environments"]],
    }
    world.releases[release_id] = release
    return release


def reach(world: World, release: dict, env: dict, at: datetime, requested_by: str) -> None:
    """A stage is reached (triggered or deployed by hand): a new attempt, its approvals, then it waits."""
    env["attempt"] += 1
    env.update(status="queued", queued_on=at, started_on=None, finished_on=None, requested_by=requested_by,
               modified=at)
    env["attempts"].append({"attempt": env["attempt"], "queued_on": at, "requested_by": requested_by,
                            "status": "notDeployed", "operation": "pending", "started_on": None})
    approvers = _definition_env(world, release, env)["approvers"]
    for rank, approver in enumerate(approvers, start=1):
        add_approval(world, release, env, approver, at, rank)
    env["ready_at"] = None if approvers else at


def add_approval(world: World, release: dict, env: dict, approver: str, at: datetime, rank: int = 1) -> dict:
    """A pending pre-deployment approval of the stage's current attempt for ``approver``."""
    approval_id = world.next_approval_id
    world.next_approval_id += 1
    world.approvals[approval_id] = approval = {
        "id": approval_id, "release_id": release["id"], "environment_id": env["id"], "approver": approver,
        "status": "pending", "approved_by": None, "comments": "", "created": at, "modified": at,
        "attempt": env["attempt"], "rank": rank, "revision": 1, "history": []}
    return approval


def pending_approvals(world: World, env: dict) -> list[dict]:
    return [a for a in world.approvals.values()
            if a["environment_id"] == env["id"] and a["attempt"] == env["attempt"] and a["status"] == "pending"]


def approvals_of(world: World, env: dict) -> list[dict]:
    return sorted((a for a in world.approvals.values() if a["environment_id"] == env["id"]), key=lambda a: a["id"])


def decide(world: World, approval: dict, status: str, by: str, comments: str, at: datetime) -> None:
    """Record a decision and move the release on: all approved -> the stage deploys; rejected -> it is rejected."""
    approval.update(status=status, approved_by=by, comments=comments, modified=at, revision=approval["revision"] + 1)
    release = world.releases[approval["release_id"]]
    env = environment(release, approval["environment_id"])
    release["modified"] = env["modified"] = at
    if status == "rejected":
        for other in pending_approvals(world, env):
            other.update(status="canceled", modified=at)
        env.update(status="rejected", finished_on=at)
        env["attempts"][-1].update(status="notDeployed", operation="rejected")
    elif not pending_approvals(world, env):
        env["ready_at"] = at
        env["attempts"][-1]["operation"] = "approved"


def reassign(world: World, approval: dict, to: str, by: str, comments: str, at: datetime) -> dict:
    """The approval becomes ``reassigned``; a new pending one goes to ``to`` (the same stage and attempt)."""
    approval.update(status="reassigned", approved_by=by, comments=comments, modified=at,
                    revision=approval["revision"] + 1)
    new_id = world.next_approval_id
    world.next_approval_id += 1
    fresh = {**approval, "id": new_id, "approver": to, "status": "pending", "approved_by": None, "comments": "",
             "created": at, "modified": at, "revision": 1,
             "history": [*approval["history"], {"approver": approval["approver"], "changed_by": by,
                                                "comments": comments, "at": at}]}
    world.approvals[new_id] = fresh
    return fresh


def advance(world: World, now: datetime) -> None:
    """Moves every release to where the clock says it is."""
    for release in world.releases.values():
        while _step(world, release, now):
            pass


def _step(world: World, release: dict, now: datetime) -> bool:
    """One transition of ``release`` that is due by ``now`` (the earliest first); False when none is."""
    due: list[tuple[datetime, int, str, dict]] = []
    if release["auto_start"] is not None and release["auto_start"] <= now:
        due.append((release["auto_start"], 0, "start", {}))
    for env in release["environments"]:
        if env["status"] == "queued" and env["ready_at"] is not None:
            at = env["ready_at"] + timedelta(seconds=QUEUED_SECONDS)
            if at <= now:
                due.append((at, env["rank"], "run", env))
        elif env["status"] == "inProgress":
            at = env["started_on"] + timedelta(seconds=DEPLOY_SECONDS)
            if at <= now:
                due.append((at, env["rank"], "finish", env))
    if not due:
        return False
    at, _, what, env = min(due, key=lambda item: (item[0], item[1]))
    if what == "start":
        release["auto_start"] = None
        for first in release["environments"]:
            if not first["manual"] and first["status"] == "notStarted":
                reach(world, release, first, at, release["created_by"])
    elif what == "run":
        env.update(status="inProgress", started_on=at, modified=at)
        env["attempts"][-1].update(status="inProgress", started_on=at, operation="phaseInProgress")
    else:
        failed = env["fail"]
        env.update(status="rejected" if failed else "succeeded", finished_on=at, modified=at, fail=False)
        env["attempts"][-1].update(status="failed" if failed else "succeeded",
                                   operation="phaseFailed" if failed else "phaseSucceeded")
        if not failed:
            for following in release["environments"]:
                if following["after"] == env["name"] and following["status"] == "notStarted":
                    reach(world, release, following, at, release["created_by"])
    release["modified"] = at
    return True
