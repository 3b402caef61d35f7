"""The configured project, its teams and their members: one reader per fact.

``read_*`` answers None when the thing does not exist (a 404), so a check can say what is missing; ``find_team``
and ``project_id`` raise a NotFound whose next step says what to fix. Independent reads run concurrently.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from bot.errors import NotFound
from bot.services.devops.client import DevOpsClient, SdkClients
from bot.services.devops.model import Member, Project, Team
from bot.services.devops.people import access_levels

PAGE = 100


async def read_project(devops: DevOpsClient) -> Project | None:
    name = devops.project
    found = await devops.find(lambda c: c.core.get_project(name), what="read the project", of_project=True)
    if found is None:
        return None
    shown = found.name or name
    return Project(id=str(found.id or ""), name=shown, web_url=f"{devops.org_url}/{quote(shown)}")


async def project_id(devops: DevOpsClient) -> str:
    """The configured project's id; a NotFound that names AZURE_DEVOPS_PROJECT when it does not exist."""
    name = devops.project
    found = await devops.call(lambda c: c.core.get_project(name), idempotent=True, what="read the project")
    return str(found.id)


async def read_team(devops: DevOpsClient, name: str) -> Team | None:
    project = devops.project
    found = await devops.find(lambda c: c.core.get_team(project, name), what="read the team")
    return Team(str(found.id or ""), found.name or name, found.description or "") if found is not None else None


async def find_team(devops: DevOpsClient, name: str) -> Team:
    """The team, or a NotFound listing the project's teams."""
    team = await read_team(devops, name)
    if team is not None:
        return team
    project = devops.project
    teams = await devops.call(lambda c: c.core.get_teams(project), idempotent=True, what="list teams")
    names = ", ".join(sorted(t.name for t in teams or [])) or "none"
    raise NotFound(f"There is no team called '{name}' in {project}. Its teams: {names}.",
                   next_step="Check the team's name (in quotes when it has spaces).")


async def team_members(devops: DevOpsClient, team: str) -> list[Member]:
    """The team's people (groups in the team are not people), admins first, with their access level when
    readable. The members and the access levels are read at the same time."""
    project = devops.project

    def read(c: SdkClients) -> list[object]:
        members: list[object] = []
        while True:  # the service may cap a page below $top: read until an empty page
            page = c.core.get_team_members_with_extended_properties(project, team, top=PAGE, skip=len(members))
            if not page:
                return members
            members += page

    found, levels = await asyncio.gather(devops.call(read, idempotent=True, what="team members"),
                                         access_levels(devops))
    people = []
    for m in found:
        identity = getattr(m, "identity", None)
        if identity is None or getattr(identity, "is_container", False):
            continue
        email = identity.unique_name or ""
        people.append(Member(identity.display_name or email, email, identity.descriptor or "",
                             bool(m.is_team_admin), levels.get(email.lower(), "")))
    return sorted(people, key=lambda p: (not p.is_admin, p.name.lower()))


async def team_with_members(devops: DevOpsClient, name: str) -> tuple[Team, list[Member]]:
    """The team and its people, read at the same time; a missing team is the NotFound of ``find_team``."""
    team, members = await asyncio.gather(find_team(devops, name), team_members(devops, name),
                                         return_exceptions=True)
    if isinstance(team, BaseException):
        raise team
    if isinstance(members, BaseException):
        raise members
    return team, members

