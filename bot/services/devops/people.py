"""People in the organisation: who has which access level (entitlements), read one by one or all at once."""

from __future__ import annotations

import re

from bot.services.devops.client import DevOpsClient

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



async def entitlement_of(devops: DevOpsClient, email: str) -> dict | None:
    """The person's entitlement in the organisation (raw: user, accessLevel), or None when they have none."""
    raw = await devops.send_raw("entitlements", "GET", USER_ENTITLEMENTS, USER_ENTITLEMENTS_VERSION,
                                query={"$filter": f"name eq '{email.replace(chr(39), '')}'"}, what="find entitlement")
    body = raw.body if isinstance(raw.body, dict) else {}
    for item in body.get("members") or []:
        if str((item.get("user") or {}).get("principalName", "")).lower() == email.lower():
            return item
    return None


def level_name(entitlement: dict) -> str:
    """"Basic", "Stakeholder", ... of a raw entitlement."""
    license_type = (entitlement.get("accessLevel") or {}).get("accountLicenseType", "")
    return LICENSE_NAMES.get(license_type, license_type)
