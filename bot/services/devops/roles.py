"""Admins from Azure DevOps: the configured team's admins (or ADMIN_GROUP's members), by Entra object id.

A Teams user's ``aadObjectId`` is the Azure DevOps Graph user's ``originId``; the match never uses a name.
Lookups are cached for a short while (TTL); when Azure DevOps cannot answer, the last good answer is kept for
a bounded time, and after that nobody is an admin through this source (fail closed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.errors import UserFacingError
from bot.policy import Role
from bot.services.devops.client import DevOpsClient, SdkClients
from bot.services.retry import RetryPolicy
from bot.turn import Actor

log = logging.getLogger(__name__)

TTL_S = 120.0
STALE_LIMIT_S = 3600.0
FAILURE_BACKOFF_S = 30.0  # after a failed lookup, turns do not wait for another one for this long


def _team_admin_origin_ids(c: SdkClients, project: str, team: str) -> set[str]:
    admins: list[str] = []
    skip, top = 0, 100
    while True:
        members = c.core.get_team_members_with_extended_properties(project, team, top=top, skip=skip) or []
        admins += [m.identity.descriptor for m in members if m.is_team_admin and m.identity and
                   m.identity.descriptor and not getattr(m.identity, "is_container", False)]
        if not members:  # the server may cap a page below ``top``: read until an empty page
            break
        skip += len(members)
    return {c.graph.get_user(descriptor).origin_id.lower() for descriptor in admins
            if descriptor.split(".")[0] in ("aad", "msa")}


def _group_member_origin_ids(c: SdkClients, project: str, group_name: str) -> set[str]:
    """Users in the named group (a project group "[Project]\\Name", or by display name), nested groups included."""
    wanted = group_name.strip().lower()
    group = None
    token = None
    while group is None:
        page = c.graph.list_groups(continuation_token=token)
        for g in page.graph_groups or []:
            names = {(g.display_name or "").lower(), (g.principal_name or "").lower()}
            if wanted in names or f"[{project.lower()}]\\{wanted}" in names:
                group = g
                break
        token = page.continuation_token[0] if isinstance(page.continuation_token, list) and \
            page.continuation_token else (page.continuation_token or None)
        if not token:
            break
    if group is None:
        raise LookupError(f"ADMIN_GROUP '{group_name}' was not found in the organization")
    memberships = c.graph.list_memberships(group.descriptor, direction="down", depth=10) or []
    descriptors = {m.member_descriptor for m in memberships if m.member_descriptor.split(".")[0] in ("aad", "msa")}
    return {c.graph.get_user(d).origin_id.lower() for d in descriptors}


class DevOpsAdmins:
    """RoleSource: Role.ADMIN for the Azure DevOps team's admins, or for ADMIN_GROUP's members when set."""

    def __init__(self, devops: DevOpsClient, admin_group: str = "", *, ttl_s: float = TTL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._devops = devops
        self._group = admin_group.strip()
        self._ttl = ttl_s
        self._clock = clock
        self._ids: frozenset[str] | None = None
        self._fetched_at = 0.0
        self._failed_at: float | None = None
        self._problem = ""  # why the last lookup failed, until one succeeds
        # every turn asks for roles: a lookup must never hold a turn long, whatever Azure DevOps does
        self._policy = RetryPolicy(max_attempts=2, max_total_s=3.0, base_s=0.2, cap_s=1.0,
                                   sleep=lambda s: devops.policy.sleep(s), clock=devops.policy.clock)
        self._lock = asyncio.Lock()
        self.name = f"Azure DevOps group {self._group}" if self._group else "Azure DevOps team admins"

    def problem(self) -> str:
        return self._problem

    def _fresh(self, now: float) -> frozenset[str] | None:
        if self._ids is not None and now - self._fetched_at < self._ttl:
            return self._ids
        if self._failed_at is not None and now - self._failed_at < FAILURE_BACKOFF_S:
            return self._stale(now)
        return None

    def _stale(self, now: float) -> frozenset[str]:
        if self._ids is not None and now - self._fetched_at < STALE_LIMIT_S:
            return self._ids
        return frozenset()

    async def admin_object_ids(self) -> frozenset[str]:
        known = self._fresh(self._clock())
        if known is not None:
            return known
        async with self._lock:
            now = self._clock()
            known = self._fresh(now)
            if known is not None:
                return known
            project, team, group = self._devops.project, self._devops.team, self._group
            try:
                if group:
                    ids = await self._devops.call(lambda c: _group_member_origin_ids(c, project, group),
                                                  idempotent=True, what="admin group members", policy=self._policy)
                else:
                    ids = await self._devops.call(lambda c: _team_admin_origin_ids(c, project, team),
                                                  idempotent=True, what="team admins", policy=self._policy)
            except (UserFacingError, LookupError) as exc:
                log.warning("admin lookup in Azure DevOps failed", extra={"reason": str(exc)[:200]})
                self._failed_at = now
                self._problem = (getattr(exc, "message", "") or str(exc))[:200]
                return self._stale(now)
            self._ids, self._fetched_at, self._failed_at, self._problem = frozenset(ids), now, None, ""
            return self._ids

    async def roles_for(self, actor: Actor) -> set[Role]:
        if not actor.aad_object_id:
            return set()
        return {Role.ADMIN} if actor.aad_object_id.lower() in await self.admin_object_ids() else set()
