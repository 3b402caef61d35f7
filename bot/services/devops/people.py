"""People in the organisation: access levels (entitlements), and onboarding (an entitlement + team membership)."""

from __future__ import annotations

import re

from bot.services.devops.client import DevOpsClient, RawResponse
from bot.services.devops.model import Onboarded, Team

USER_ENTITLEMENTS = "387f832c-dbf2-4643-88e9-c1aa94dbb737"
USER_ENTITLEMENTS_VERSION = "7.1-preview.3"
ACCESS_LEVELS = {"basic": "express", "stakeholder": "stakeholder"}  # what we say -> accountLicenseType
LICENSE_NAMES = {"express": "Basic", "stakeholder": "Stakeholder", "advanced": "Basic + Test Plans"}
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value) <= 254


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

