"""Classic release approvals: the pending ones, one read afresh, who may decide one, and the decision itself.

Azure DevOps authorizes and records the calling token's identity; when the bot decides with its own identity it
must first make sure the Teams user is the assigned approver: the approver's Graph subject (a person, or a group
whose members count, nested too) is matched by Entra object id (Graph ``originId`` = Teams ``aadObjectId``).
A decision is sent once: a failed PATCH is followed by a read of the approval before anything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.errors import NotFound
from bot.services.devops.client import DevOpsClient, SdkClients
from bot.services.devops.model import Approval, PendingApproval
from bot.services.devops.releases import approval_from_model

TTL_S = 120.0
PAGE = 100


async def pending_approvals(devops: DevOpsClient) -> list[Approval]:
    """Every pending manual approval of the project, oldest first (all pages)."""
    project = devops.project

    def read(c: SdkClients) -> list[object]:
        found: list[object] = []
        token = None
        for _ in range(20):
            page = c.release.get_approvals(project, status_filter="pending", top=PAGE, continuation_token=token,
                                           query_order="ascending") or []
            found += page
            if len(page) < PAGE:
                return found
            token = max(int(getattr(a, "id", 0) or 0) for a in page) + 1
        return found

    approvals = await devops.call(read, idempotent=True, what="list the pending approvals")
    return sorted((approval_from_model(a) for a in approvals if not getattr(a, "is_automated", False)),
                  key=lambda a: (a.created_on is None, a.created_on, a.id))


async def read_approval(devops: DevOpsClient, release_id: int, approval_id: int) -> Approval:
    """The approval as it is now (decided or not)."""
    project = devops.project
    found = await devops.call(
        lambda c: c.release.get_approvals(project, release_ids_filter=[release_id], status_filter="undefined",
                                          top=PAGE) or [],
        idempotent=True, what="read the approval")
    approval = next((approval_from_model(a) for a in found if int(getattr(a, "id", 0) or 0) == approval_id), None)
    if approval is None:
        raise NotFound(f"There is no approval {approval_id} in release {release_id}.",
                       next_step="Type approvals to see the ones waiting for you.")
    return approval


async def decide(devops: DevOpsClient, approval: Approval, status: str, comments: str) -> Approval:
    """Approves or rejects (``status``) with ``comments``; sent once (after a failure the approval is read before
    any retry: decided meanwhile, by this call or by someone else, is the answer)."""
    from azure.devops.v7_1.release.models import ReleaseApproval

    project = devops.project

    async def verify() -> object | None:
        now = await read_approval(devops, approval.release_id, approval.id)
        return now if not now.pending else None

    answer = await devops.call(
        lambda c: c.release.update_release_approval(ReleaseApproval(status=status, comments=comments), project,
                                                    approval.id),
        idempotent=False, verify=verify, what=f"{status[:-1] if status.endswith('d') else status} the approval")
    return answer if isinstance(answer, Approval) else approval_from_model(answer)


class Approvers:
    """Who an approval's approver is, in Entra object ids: the person, or every member of the group (nested),
    looked up in Graph and kept for a couple of minutes."""

    def __init__(self, devops: DevOpsClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._devops = devops
        self._clock = clock
        self._known: dict[str, tuple[float, frozenset[str]]] = {}

    async def object_ids(self, approval: Approval) -> frozenset[str]:
        return await self.object_ids_of(approval.approver_descriptor, approval.approver_is_group)

    async def object_ids_of(self, descriptor: str, group: bool) -> frozenset[str]:
        """The Entra object ids of a person (``descriptor``), or of every member of a group (nested)."""
        if not descriptor:
            return frozenset()
        known = self._known.get(descriptor)
        if known is not None and self._clock() - known[0] < TTL_S:
            return known[1]

        def read(c: SdkClients) -> frozenset[str]:
            if not group:
                return frozenset({str(c.graph.get_user(descriptor).origin_id or "").lower()})
            members = c.graph.list_memberships(descriptor, direction="down", depth=10) or []
            users = {m.member_descriptor for m in members if m.member_descriptor.split(".")[0] in ("aad", "msa")}
            return frozenset(str(c.graph.get_user(d).origin_id or "").lower() for d in users)

        ids = await self._devops.call(read, idempotent=True, what="read who the approver is")
        if len(self._known) > 1024:
            self._known.clear()
        self._known[descriptor] = (self._clock(), ids)
        return ids

    async def may_decide(self, approval: PendingApproval, aad_object_id: str) -> bool:
        """Whether the person is the approval's assigned approver (a YAML one: of a pending step, and not blocked)."""
        if not aad_object_id:
            return False
        me = aad_object_id.lower()
        if isinstance(approval, Approval):
            return me in await self.object_ids(approval)
        for blocked in approval.blocked:
            if me in await self.object_ids_of(blocked.descriptor, blocked.is_group):
                return False
        for assigned in approval.waiting_for:
            if me in await self.object_ids_of(assigned.descriptor, assigned.is_group):
                return True
        return False
