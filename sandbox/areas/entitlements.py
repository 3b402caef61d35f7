"""MemberEntitlementManagement: user entitlements with access levels (vsaex origin).

Adding an entitlement for someone in the Entra tenant creates their graph user (as the service
does), joins them to Project Collection Valid Users and to the project groups asked for.
"""

from __future__ import annotations

import re

from ..clock import iso
from ..http.context import RequestContext
from ..http.errors import bad_request, not_found
from ..http.paging import page
from ..http.routing import AreaRoutes
from ..state.model import Entitlement, Subject
from .graph import subject_view

HOST = "vsaex"
routes = AreaRoutes()

USER_ENTITLEMENTS = "387f832c-dbf2-4643-88e9-c1aa94dbb737"
USER_ENTITLEMENT = "8480c6eb-ce60-47e9-88df-eca3c801638b"

DEFAULT_PAGE = 100
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LICENSE_IDS = {"express": "Account-Express", "stakeholder": "Account-Stakeholder", "advanced": "Account-Advanced"}
_GROUP_TYPES = {"Contributors": "projectContributor", "Readers": "projectReader",
                "Project Administrators": "projectAdministrator"}


def _access_level(ctx: RequestContext, license_type: str) -> dict:
    display = next((level["licenseDisplayName"] for level in ctx.world.access_levels.values()
                    if level["accountLicenseType"] == license_type), license_type)
    return {
        "licensingSource": "account",
        "accountLicenseType": license_type,
        "msdnLicenseType": "none",
        "licenseDisplayName": display,
        "status": "active",
        "statusMessage": "",
        "assignmentSource": "unknown",
    }


def _project_entitlements(ctx: RequestContext, user: Subject) -> list[dict]:
    world = ctx.world
    containers = set(world.direct_containers(user.storage_key))
    entitlements = []
    for project in sorted(world.projects.values(), key=lambda p: p.name.lower()):
        group_type = next((kind for name, kind in _GROUP_TYPES.items()
                           if (g := world.group(project.id, name)) and g.storage_key in containers), None)
        teams = [t for t in world.teams_of(project) if t.id in containers]
        if group_type is None and not teams:
            continue
        entitlements.append({
            "assignmentSource": "unknown",
            "group": {"groupType": group_type or "projectContributor",
                      "displayName": next((n for n, k in _GROUP_TYPES.items() if k == group_type), "Contributors")},
            "projectPermissionInherited": "notSet",
            "projectRef": {"id": project.id, "name": project.name},
            "teamRefs": [{"id": t.id, "name": t.name} for t in teams],
        })
    return entitlements


def entitlement_view(ctx: RequestContext, entitlement: Entitlement) -> dict:
    user = ctx.world.subjects[entitlement.user_key]
    return {
        "id": user.storage_key,
        "user": subject_view(ctx, user),
        "accessLevel": _access_level(ctx, entitlement.access_level),
        "lastAccessedDate": iso(entitlement.last_accessed) or "0001-01-01T00:00:00Z",
        "dateCreated": iso(entitlement.created),
        "projectEntitlements": _project_entitlements(ctx, user),
        "groupAssignments": [],
    }


def _failure(message: str) -> dict:
    return {
        "isSuccess": False,
        "operationResult": {"isSuccess": False, "errors": [{"key": 5000, "value": message}],
                            "userId": "00000000-0000-0000-0000-000000000000", "result": None},
    }


@routes.post(USER_ENTITLEMENTS)
def add_user_entitlement(ctx: RequestContext):
    body = ctx.body()
    user_spec = (body or {}).get("user") or {}
    principal = (user_spec.get("principalName") or user_spec.get("mailAddress") or "").strip()
    origin_id = (user_spec.get("originId") or "").strip()
    license_type = ((body or {}).get("accessLevel") or {}).get("accountLicenseType") or "express"
    if license_type not in _LICENSE_IDS:
        raise bad_request(f"The access level '{license_type}' is not valid.", "InvalidAccessLevelException")
    if origin_id:
        person = next((p for p in ctx.world.directory.values() if p.object_id == origin_id), None)
        shown = origin_id
    else:
        if not _EMAIL.match(principal):
            return _failure(f"VS403283: '{principal}' is not a valid email address.")
        person = ctx.world.directory.get(principal.lower())
        shown = principal
    if person is None:
        return _failure(f"VS403283: Could not add user '{shown}'. The user does not exist in the Microsoft "
                        f"Entra ID tenant ({ctx.world.tenant_id}) that backs this organization.")
    projects = []
    for spec in (body or {}).get("projectEntitlements") or []:
        project_ref = spec.get("projectRef") or {}
        project = ctx.world.project(project_ref.get("id") or project_ref.get("name"))
        if project is None:
            return _failure(f"VS403284: The project '{project_ref.get('id')}' does not exist.")
        group_type = (spec.get("group") or {}).get("groupType") or "projectContributor"
        group_name = ctx.world.project_group_types.get(group_type)
        if group_name is None:
            raise bad_request(f"The project group type '{group_type}' is not valid.")
        projects.append(ctx.world.group(project.id, group_name))

    world = ctx.world
    user = world.materialize_user(person)
    entitlement = world.entitlements.get(user.storage_key)
    if entitlement is None:
        entitlement = Entitlement(user.storage_key, license_type, created=ctx.now, last_accessed=None)
        world.entitlements[user.storage_key] = entitlement
        world.add_membership(user.storage_key, world.group(None, "Project Collection Valid Users").storage_key)
    for group in projects:
        world.add_membership(user.storage_key, group.storage_key)
    view = entitlement_view(ctx, entitlement)
    return {
        "isSuccess": True,
        "operationResult": {"isSuccess": True, "errors": [], "userId": user.storage_key, "result": view},
        "userEntitlement": view,
    }


_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


def _filter(ctx: RequestContext, entitlements: list[Entitlement]) -> list[Entitlement]:
    raw = ctx.arg("$filter")
    if not raw:
        return entitlements
    result = entitlements
    for clause in re.split(r"\s+and\s+", raw, flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if not match:
            raise bad_request(f"The filter '{raw}' is not valid.", "InvalidFilterException")
        field, value = match.group(1).lower(), match.group(2).lower()
        subjects = ctx.world.subjects
        if field == "name":
            result = [e for e in result if value in subjects[e.user_key].display_name.lower()
                      or value in subjects[e.user_key].principal_name.lower()]
        elif field == "licenseid":
            result = [e for e in result if _LICENSE_IDS.get(e.access_level, "").lower() == value]
        elif field == "usertype":
            result = [e for e in result if value == "member"]
        else:
            raise bad_request(f"The filter field '{match.group(1)}' is not supported.", "InvalidFilterException")
    return result


@routes.get(USER_ENTITLEMENTS)
def search_user_entitlements(ctx: RequestContext):
    entitlements = sorted(ctx.world.entitlements.values(),
                          key=lambda e: ctx.world.subjects[e.user_key].display_name.lower())
    entitlements = _filter(ctx, entitlements)
    chunk, token = page(entitlements, ctx.arg("continuationToken"), ctx.page_size(None, DEFAULT_PAGE))
    return {"members": [entitlement_view(ctx, e) for e in chunk], "continuationToken": token,
            "totalCount": len(entitlements)}


def _find(ctx: RequestContext) -> Entitlement:
    user_id = (ctx.value("userId") or "").lower()
    entitlement = ctx.world.entitlements.get(user_id)
    if entitlement is None:
        raise not_found(f"VS403292: The user with id '{user_id}' does not have an entitlement in this organization.",
                        "UserEntitlementNotFoundException")
    return entitlement


@routes.get(USER_ENTITLEMENT)
def get_user_entitlement(ctx: RequestContext):
    return entitlement_view(ctx, _find(ctx))


@routes.delete(USER_ENTITLEMENT)
def delete_user_entitlement(ctx: RequestContext):
    """Remove someone from the organization: entitlement and all their memberships go."""
    entitlement = _find(ctx)
    del ctx.world.entitlements[entitlement.user_key]
    ctx.world.memberships = {pair for pair in ctx.world.memberships if pair[0] != entitlement.user_key}
    for team in ctx.world.teams.values():
        team.admins.discard(entitlement.user_key)
    return None
