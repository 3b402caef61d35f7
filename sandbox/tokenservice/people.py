"""The seeded people who can sign in: everyone in the Entra tenant (``sandbox/world/college_team.json``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..state.seed import college_team


@dataclass(frozen=True)
class Person:
    """One seeded person as the token service and Entra see them."""

    key: str
    name: str
    given_name: str
    surname: str
    upn: str
    object_id: str  # Entra object id: the token's ``oid``, Teams' ``aadObjectId``, Graph's ``originId``
    teams_id: str  # the Teams user id (``from.id``): the token service's ``userId``


def people() -> list[Person]:
    """Everyone in the tenant, in the world file's order."""
    return [Person(p["key"], p["name"], p["given_name"], p["surname"], p["upn"], p["aad_object_id"], p["teams_id"])
            for p in college_team()["people"]]


def find_person(name: str | None) -> Person | None:
    """The person a key, Teams user id, Entra object id or UPN names (case-insensitive), if any."""
    wanted = (name or "").strip().lower()
    return next((p for p in people() if wanted in (p.key, p.teams_id.lower(), p.object_id.lower(), p.upn.lower())),
                None) if wanted else None
