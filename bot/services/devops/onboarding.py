"""Onboarding one person: an entitlement (access level, Contributors of the project) and a place in the team; and,
when an answer is lost, what took effect (the card then says exactly that, never "nobody was added" for someone
who was)."""

from __future__ import annotations

import asyncio
import logging

from bot.errors import UserFacingError
from bot.services.devops.client import DevOpsClient, RawResponse
from bot.services.devops.model import Onboarded, Team
from bot.services.devops.people import (
    ACCESS_LEVELS,
    USER_ENTITLEMENTS,
    USER_ENTITLEMENTS_VERSION,
    entitlement_of,
    level_name,
)
from bot.services.devops.projects import team_members

log = logging.getLogger(__name__)


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
        existing = await entitlement_of(devops, email)
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
    return Onboarded(email, "added", level_name(entitlement), user.get("displayName", ""))



async def what_took_effect(devops: DevOpsClient, email: str, team: Team, error: UserFacingError) -> Onboarded:
    """After ``onboard`` failed with ``error``: reads whether the person got an entitlement and a place in the team
    anyway (an answer lost after the service applied the change), and says exactly that."""
    entitlement, members = await asyncio.gather(entitlement_of(devops, email), team_members(devops, team.name),
                                                return_exceptions=True)
    if isinstance(entitlement, UserFacingError) or isinstance(members, UserFacingError):
        log.info("could not read what an onboarding did", extra={"reason": error.message[:120]})
        return Onboarded(email, "unknown", f"I could not tell whether this took effect: {error.message}")
    if isinstance(entitlement, BaseException):
        raise entitlement
    if isinstance(members, BaseException):
        raise members
    if entitlement is None:
        return Onboarded(email, "failed", error.message)
    name = str((entitlement.get("user") or {}).get("displayName", ""))
    level = level_name(entitlement)
    if any(m.email.lower() == email.lower() for m in members):
        return Onboarded(email, "added", level, name,
                         note="Azure DevOps's answer was lost, but they are in the organisation and the team.")
    return Onboarded(email, "partial", f"has {level} access in the organisation but is not in the team yet: "
                     f"{error.message}", name)
