"""approvals: the release approvals waiting for the asking person, as cards they decide from Teams.

Exactly one decision: the clicking person must be the assigned approver (directly or through a group, by Entra
object id) before anything is sent; one decision per approval at a time (a lock, then the approval read afresh:
decided meanwhile, here or in the portal, is what the card then says, with who and when); a PATCH whose answer is
lost is followed by a read before anything else. The model-quality gate: Approve needs an explicit override and a
reason when the model being shipped fails its check or cannot be checked. Every attempt is audited; the decided
card replaces the approval card for everyone in the conversation.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.acting import acting_devops, identity_note
from bot.authorization import authorize
from bot.card_data import int_of
from bot.container import Services
from bot.errors import SignInRequired, UserFacingError
from bot.model_checks import model_checks
from bot.policy import AssignedApprover, Role
from bot.progress import answer_soon, shared
from bot.router import Args, card_action, command
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.registry import model_version
from bot.services.devops.approvals import Approvers, decide, pending_approvals, read_approval
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.model import Approval, ShippedArtifact
from bot.services.devops.releases import read_release
from bot.turn import Reply, Turn
from cards import verbs
from cards.approvals import COMMENT, OVERRIDE, REASON, approval_card, decided_card, gated, nothing_waits_card

AREA = "Releases"
MAX_CARDS = 5
DECISIONS = {"approved": "Approved", "rejected": "Rejected"}


class ApprovalLocks:
    """One decision per approval at a time in this bot (a second click waits, then finds it decided)."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def of(self, approval_id: int) -> asyncio.Lock:
        if len(self._locks) > 1024:  # bounded: decided approvals' locks are dropped
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(approval_id, asyncio.Lock())


def _approvers(services: Services) -> Approvers:
    return services.shared(Approvers, lambda s: Approvers(s.client(AZURE_DEVOPS)))


async def _shipped(turn: Turn, release_id: int) -> tuple[list[ShippedArtifact], dict[str, Any] | None]:
    """What the release ships, and the Azure ML model version's check (None when there is none to check)."""
    services = turn.services
    release = await read_release(services.client(AZURE_DEVOPS), release_id)
    artifacts = list(release.artifacts)
    model = next((a for a in artifacts if a.is_azure_ml_model and a.model and a.version), None)
    azureml = services.backends.optional(AZURE_ML)
    if model is None or azureml is None:
        return artifacts, None
    version = await model_version(azureml, model.model, model.version)
    return artifacts, await model_checks(services).check(version)


async def _approval_reply(turn: Turn, approval: Approval, note: str = "") -> Reply:
    shipped, verdict = await _shipped(turn, approval.release_id)
    return Reply(card=approval_card(approval, now=turn.services.clock(), shipped=shipped, verdict=verdict,
                                    note=note, identity=identity_note(turn)))


async def _approvals(turn: Turn) -> Reply:
    services = turn.services
    devops = services.client(AZURE_DEVOPS)
    approvers = _approvers(services)
    pending = await pending_approvals(devops)
    if Role.ADMIN in turn.roles:
        mine = pending
    else:
        assigned = await asyncio.gather(*(approvers.may_decide(a, turn.actor.aad_object_id) for a in pending))
        mine = [a for a, yes in zip(pending, assigned, strict=True) if yes]
    if not mine:
        return Reply(card=nothing_waits_card(turn.actor.name))

    async def work() -> Reply:
        replies = [await _approval_reply(turn, a) for a in mine[:MAX_CARDS]]
        for reply in replies[:-1]:  # one card per approval, oldest first; the last is the turn's answer
            await turn.conversation.send(reply)
        return replies[-1]

    return await answer_soon(turn, work(), lambda: Reply(text=f"Reading {len(mine)} approval(s)…"),
                             name="approvals")


@command("approvals", area=AREA, usage="approvals", examples=["approvals"])
async def handle_approvals(turn: Turn, args: Args) -> Reply:
    """Shows the release approvals waiting for you (admins: all), oldest first, to approve or reject."""
    return await _approvals(turn)


@card_action(verbs.APPROVALS_LIST)
async def handle_approvals_button(turn: Turn, data: dict) -> Reply:
    """Shows the approvals waiting for you again."""
    return await _approvals(turn)


def _comment(turn: Turn, decision: str, comment: str, override_reason: str, *, own_identity: bool) -> str:
    """What Azure DevOps records with the decision. With the person's own identity Azure DevOps records them, so
    the comment is theirs (and the override); with the bot's, the comment names who decided in Teams."""
    if own_identity:
        parts = [comment, f"Model check overridden: {override_reason}" if override_reason else "",
                 "(decided in Microsoft Teams)"]
        return " ".join(p if p.endswith((".", ")", "!", "?")) else p + "." for p in parts if p)
    said = f"{DECISIONS[decision]} in Microsoft Teams by {turn.actor.name} (Entra object id {turn.actor.key})"
    if override_reason:
        said += f". Model check overridden: {override_reason}"
    return f"{said}. {comment}".strip() if comment else said + "."


@card_action(verbs.APPROVAL_DECIDE)
async def handle_approval_decide(turn: Turn, data: dict) -> Reply:
    """Approves or rejects a release approval (only its assigned approver)."""
    services = turn.services
    devops = services.client(AZURE_DEVOPS)
    approval_id, release_id = int_of(data, "approval"), int_of(data, "release")
    decision = str(data.get("decision", ""))
    if decision not in DECISIONS or not approval_id or not release_id:
        return Reply(card=nothing_waits_card(turn.actor.name))
    comment = str(data.get(COMMENT, "") or "").strip()[:500]
    approval = await read_approval(devops, release_id, approval_id)
    target = f"{approval.release_name} {approval.stage} (approval {approval.id})"
    if not approval.pending:
        return await shared(turn, Reply(card=decided_card(approval, by=approval.approved_by or approval.approver,
                                                          at=approval.modified_on, now=services.clock(),
                                                          elsewhere=True)))
    assigned = await _approvers(services).may_decide(approval, turn.actor.aad_object_id)
    await authorize(turn, AssignedApprover(approval.approver), what="decide this approval",
                    action=f"approval.{decision}", target=target, resource=assigned)
    override = ""
    if decision == "approved":
        shipped, verdict = await _shipped(turn, release_id)
        model = next((a for a in shipped if a.is_azure_ml_model and a.model), None)
        if gated(verdict, model):
            reason = str(data.get(REASON, "") or "").strip()[:300]
            if str(data.get(OVERRIDE, "")).lower() not in ("yes", "true") or not reason:
                await services.audit.record(turn.actor, "approval.approved", outcome="refused", target=target,
                                            conversation_id=turn.where.conversation_id, detail="model gate")
                return await _approval_reply(turn, approval, note="Not approved: the model does not pass its "
                                             "check. Tick the override and give a reason, or reject.")
            override = reason
    try:
        acting = await acting_devops(turn, doing="decide this approval")
    except SignInRequired as exc:  # the decision waits for the sign-in, then goes through without a click
        await services.audit.record(turn.actor, f"approval.{decision}", outcome="sign-in required", target=target,
                                    conversation_id=turn.where.conversation_id)
        waiting = await _approval_reply(turn, approval, note="Sign in to Azure DevOps first: I sent you a sign-in "
                                        "card. Once you are signed in, your decision is made without clicking again.")
        return Reply(card=waiting.card, sign_in=exc.prompt)
    async with services.shared(ApprovalLocks, lambda s: ApprovalLocks()).of(approval_id):
        now = await read_approval(devops, release_id, approval_id)
        if not now.pending:  # decided meanwhile (another click, another approver, the portal)
            return await shared(turn, Reply(card=decided_card(now, by=now.approved_by or now.approver,
                                                              at=now.modified_on, now=services.clock(),
                                                              elsewhere=True)))
        own = bool(acting.person)
        try:
            done = await decide(acting, now, decision, _comment(turn, decision, comment, override, own_identity=own))
        except UserFacingError as exc:
            await services.audit.record(turn.actor, f"approval.{decision}", outcome="failed", target=target,
                                        conversation_id=turn.where.conversation_id, detail=exc.message[:200])
            raise
    said = (f"override: {override}" if override else comment)[:170]
    await services.audit.record(turn.actor, f"approval.{decision}", outcome="ok", target=target,
                                conversation_id=turn.where.conversation_id,
                                detail=f"{said} [{'own identity' if own else 'bot identity'}]".strip())
    by = (done.approved_by or turn.actor.name) if own else f"{turn.actor.name} (through College Bot)"
    return await shared(turn, Reply(card=decided_card(done, by=by, at=services.clock(), now=services.clock())))
