"""Seeds the releases of sandbox/world/releases.json by replaying them on the clock, so every shape is one the
sandbox itself produces (see sandbox/state/releases.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from . import pipelines, releases
from .world import World

WORLD_FILE = Path(__file__).resolve().parents[1] / "world" / "releases.json"


@cache
def _spec() -> dict:
    return json.loads(WORLD_FILE.read_text(encoding="utf-8"))


def _hours(now: datetime, hours: float) -> datetime:
    return now - timedelta(hours=hours)


def seed_releases(world: World, people: dict[str, dict], now: datetime) -> None:
    spec = _spec()

    def user(key: str) -> str:
        return world.user_by_principal_name(people[key]["upn"]).storage_key

    world.latest_versions = dict(spec["latest_versions"])
    world.release_admins = {user(key) for key in spec["administer_release_permissions"]}
    for item in spec["releases"]:
        definition = next(d for d in world.release_definitions.values() if d["name"] == item["definition"])
        at = _hours(now, item["created_hours_ago"])
        release = releases.create_release(
            world, definition, user(item["created_by"]), at,
            {**world.latest_versions, "_TinyYOLO": item["model_version"]}, item["description"], "manual")
        for env in release["environments"]:
            env["fail"] = env["name"] in item["fail"]
        for event in item["events"]:
            when = _hours(now, event["at_hours_ago"])
            releases.advance(world, when)
            env = next(e for e in release["environments"] if e["name"] == event["approve"])
            for approval in releases.pending_approvals(world, env):
                releases.decide(world, approval, "approved", user(event["by"]), event["comment"], when)
    releases.advance(world, now)
    pipelines.seed(world, spec["pipelines"], user, now)
