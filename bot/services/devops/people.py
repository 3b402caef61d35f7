"""Teams of the project, their members, and onboarding (entitlement with an access level + team membership)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import NotFound
from bot.services.devops.client import DevOpsClient, RawResponse, SdkClients, project_missing

USER_ENTITLEMENTS = "387f832c-dbf2-4643-88e9-c1aa94dbb737"
USER_ENTITLEMENTS_VERSION = "7.1-preview.3"
ACCESS_LEVELS = {"basic": "express", "stakeholder": "stakeholder"}  # what we say -> accountLicenseType
LICENSE_NAMES = {"express": "Basic", "stakeholder": "Stakeholder", "advanced": "Basic + Test Plans"}
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value) <= 254


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Member:
    name: str
    email: str  # the principal name (UPN)
    descriptor: str
    is_admin: bool
    access_level: str = ""  # "Basic", "Stakeholder", "" when unknown


@dataclass(frozen=True)
class Onboarded:
    email: str
    outcome: str  # "added" | "already" | "failed"
    detail: str = ""
    name: str = ""


async def find_team(devops: DevOpsClient, name: str) -> Team:
    project = devops.project
    try:
        team = await devops.call(lambda c: c.core.get_team(project, name), idempotent=True, what="find team")
    except NotFound as exc:
        if project_missing(exc):
            raise
        teams = await devops.call(lambda c: c.core.get_teams(project), idempotent=True, what="list teams")
        names = ", ".join(sorted(t.name for t in teams or [])) or "none"
        raise NotFound(f"There is no team called '{name}' in {project}. Its teams: {names}.",
                       next_step="Check the team's name (in quotes when it has spaces).") from None
    return Team(team.id, team.name, team.description or "")


async def team_members(devops: DevOpsClient, team: str) -> list[Member]:
    """The team's members (people, not groups), admins first, with their access level when readable."""
    project = devops.project

    def read(c: SdkClients) -> list[object]:
        members: list[object] = []
        while True:  # the service may cap a page below $top: read until an empty page
            page = c.core.get_team_members_with_extended_properties(project, team, top=100, skip=len(members))
            if not page:
                return members
            members += page

    found = await devops.call(read, idempotent=True, what="team members")
    levels = await access_levels(devops)
    people = []
    for m in found:
        identity = m.identity
        if identity is None or getattr(identity, "is_container", False):
            continue
        email = identity.unique_name or ""
        people.append(Member(identity.display_name or email, email, identity.descriptor or "", bool(m.is_team_admin),
                             levels.get(email.lower(), "")))
    return sorted(people, key=lambda p: (not p.is_admin, p.name.lower()))


async def access_levels(devops: DevOpsClient) -> dict[str, str]:
    """principal name (lower case) -> access level name, for everyone with an entitlement (paged raw: the SDK
    hides the continuation token of user entitlements)."""
    levels: dict[str, str] = {}
    token = ""
    for _ in range(100):
        query = {"continuationToken": token} if token else None
        raw = await devops.send_raw("entitlements", "GET", USER_ENTITLEMENTS, USER_ENTITLEMENTS_VERSION, query=query,
                                    what="entitlements")
        body = raw.body if isinstance(raw.body, dict) else {}
        for item in body.get("members") or []:
            user = item.get("user") or {}
            license_type = (item.get("accessLevel") or {}).get("accountLicenseType", "")
            levels[str(user.get("principalName", "")).lower()] = LICENSE_NAMES.get(license_type, license_type)
        token = body.get("continuationToken") or raw.continuation_token
        if not token:
            break
    return levels


async def team_group_descriptor(devops: DevOpsClient, team: Team) -> str:
    return await devops.call(lambda c: c.graph.get_descriptor(team.id).value, idempotent=True,
                             what="team group descriptor")


async def onboard(devops: DevOpsClient, email: str, level: str, team: Team, team_descriptor: str,
                  project_id: str) -> Onboarded:
    """Gives ``email`` an entitlement (``level``: basic|stakeholder, Contributors of the project) and adds them to
    the team. Someone who has an entitlement keeps their access level (the service changes nothing)."""
    body = {
        "accessLevel": {"accountLicenseType": ACCESS_LEVELS[level]},
        "user": {"principalName": email, "subjectKind": "user"},
        "projectEntitlements": [{"group": {"groupType": "projectContributor"}, "projectRef": {"id": project_id}}],
    }

    async def verify() -> RawResponse | None:
        """Did the entitlement POST take effect? (the user then has one)"""
        existing = await _entitlement_of(devops, email)
        return RawResponse(200, {}, {"isSuccess": True, "userEntitlement": existing}) if existing else None

    raw = await devops.send_raw("entitlements", "POST", USER_ENTITLEMENTS, USER_ENTITLEMENTS_VERSION, content=body,
                                idempotent=False, verify=verify, what="add user entitlement")
    answer = raw.body if isinstance(raw.body, dict) else {}
    if not answer.get("isSuccess"):
        # the SDK's model drops these errors: the raw answer carries the reason
        errors = ((answer.get("operationResult") or {}).get("errors")) or []
        reason = "; ".join(str(e.get("value", "")) for e in errors if isinstance(e, dict)) or "no reason given"
        return Onboarded(email, "failed", reason)
    entitlement = answer.get("userEntitlement") or (answer.get("operationResult") or {}).get("result") or {}
    user = entitlement.get("user") or {}
    descriptor = user.get("descriptor", "")
    if not descriptor:
        return Onboarded(email, "failed", "Azure DevOps did not say who the user is.")
    await devops.call(lambda c: c.graph.add_membership(descriptor, team_descriptor), idempotent=True,
                      what="add team membership")
    level_name = LICENSE_NAMES.get((entitlement.get("accessLevel") or {}).get("accountLicenseType", ""), "")
    return Onboarded(email, "added", level_name, user.get("displayName", ""))


async def _entitlement_of(devops: DevOpsClient, email: str) -> dict | None:
    raw = await devops.send_raw("entitlements", "GET", USER_ENTITLEMENTS, USER_ENTITLEMENTS_VERSION,
                                query={"$filter": f"name eq '{email.replace(chr(39), '')}'"}, what="find entitlement")
    body = raw.body if isinstance(raw.body, dict) else {}
    for item in body.get("members") or []:
        if str((item.get("user") or {}).get("principalName", "")).lower() == email.lower():
            return item
    return None


async def project_id(devops: DevOpsClient) -> str:
    project = devops.project
    return await devops.call(lambda c: c.core.get_project(project).id, idempotent=True, what="project id")
