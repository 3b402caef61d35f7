"""Who may do what to a classic release: the permissions the Release service checks (see sandbox/README.md)."""

from __future__ import annotations

from .world import World

ADMIN_GROUPS = ("Project Administrators",)
ORG_ADMIN_GROUPS = ("Project Collection Administrators",)


def _in_group(world: World, caller: str, project_id: str | None, name: str) -> bool:
    group = world.group(project_id, name)
    return group is not None and world.is_member(caller, group.storage_key)


def administers_releases(world: World, caller: str, project_id: str) -> bool:
    """Holds "Administer release permissions": granted on the definition, or a project or collection admin."""
    return (caller in world.release_admins
            or any(_in_group(world, caller, project_id, name) for name in ADMIN_GROUPS)
            or any(_in_group(world, caller, None, name) for name in ORG_ADMIN_GROUPS))


def manages_deployments(world: World, caller: str, project_id: str) -> bool:
    """Holds "Create releases" and "Manage deployments": Contributors with Basic access, and release admins."""
    if administers_releases(world, caller, project_id):
        return True
    entitlement = world.entitlements.get(caller)
    basic = entitlement is not None and entitlement.access_level != "stakeholder"
    return basic and _in_group(world, caller, project_id, "Contributors")


def may_decide(world: World, caller: str, approver: str, project_id: str) -> bool:
    """The assigned approver, a (transitive) member of the assigned group, or a release admin."""
    return world.is_member(caller, approver) or administers_releases(world, caller, project_id)
