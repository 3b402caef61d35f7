"""The College Team as tests see it: loaded from the project's single definition."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TEAM_FILE = Path(__file__).resolve().parents[2] / "sandbox" / "world" / "college_team.json"


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    upn: str
    aad_object_id: str
    teams_id: str
    team_admin: bool
    in_organization: bool


@cache
def team() -> dict:
    return json.loads(TEAM_FILE.read_text())


@cache
def people() -> dict[str, Person]:
    return {
        p["key"]: Person(p["key"], p["name"], p["upn"], p["aad_object_id"], p["teams_id"], p["team_admin"],
                         p["in_organization"])
        for p in team()["people"]
    }


def person(key: str) -> Person:
    return people()[key]
