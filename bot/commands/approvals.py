"""approvals: the approvals waiting for the asking person (admins: all), classic release approvals and YAML
pipeline (environment) approvals, oldest first, as cards they decide from Teams; "Approve all N" when several of one
release or run wait for them.

Exactly one decision: the clicking person must be the assigned approver (directly or through a group, by Entra
object id) before anything is sent; one decision per approval at a time (a lock, then the approval read afresh:
decided meanwhile, here or in the portal, is what the card then says, with who and when); a PATCH whose answer is
lost is followed by a read before anything else. The model-quality gate: Approve needs an explicit override and a
reason when the model being shipped fails its check or cannot be checked ("Approve all" never overrides it). Every
attempt is audited; the decided card replaces the approval card for everyone in the conversation.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from bot.acting import acting_devops, identity_note
from bot.authorization import authorize
from bot.card_data import int_of
from bot.container import Services
from bot.errors import NotAllowed, NotFound, SignInRequired, UserFacingError
from bot.model_checks import shipped_verdict
from bot.policy import AssignedApprover, Role
from bot.progress import answer_soon, shared
from bot.router import Args, card_action, command
from bot.services.devops import yaml_approvals
from bot.services.devops.approvals import Approvers, decide, pending_approvals, read_approval
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import Approval, PendingApproval, Previous, Release, RunApproval, ShippedArtifact
from bot.services.devops.releases import read_release, recent_releases
from bot.services.devops.yaml_approvals import pending_run_approvals, read_run_approval
from bot.store_lease import held
from bot.turn import Reply, Turn
from cards import verbs
from cards.approvals import (
    COMMENT,
    OVERRIDE,
    REASON,
    approval_card,
    approve_all_card,
    approve_all_result_card,
    decided_card,
    gated,
    nothing_waits_card,
    run_approval_card,
)
from cards.connections import ago

AREA = "Releases"
MAX_CARDS = 5
MAX_APPROVE_ALL = 20
RECENT_RELEASES = 25  # where the version the stage before shipped is looked for
DECISIONS = {"approved": "Approved", "rejected": "Rejected"}
GATE_NOTE = "Not approved: the model does not pass its check. Tick the override and give a reason, or reject."
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ApprovalLocks:
    """One decision per approval at a time in this process (a second click waits, then finds it decided); the
    store's lease (bot.store_lease) does the same across instances."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}

    def of(self, key: Hashable) -> asyncio.Lock:
        if len(self._locks) > 1024:  # bounded: decided approvals' locks are dropped
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(key, asyncio.Lock())


def _approvers(services: Services) -> Approvers:
    return services.shared(Approvers, lambda s: Approvers(s.client(AZURE_DEVOPS)))


async def _shipped(turn: Turn, release_id: int) -> tuple[list[ShippedArtifact], dict[str, Any] | None]:
    """What the release ships, and the Azure ML model version's check (None when there is none to check)."""
    release = await read_release(turn.services.client(AZURE_DEVOPS), release_id)
    verdict, _checked = await shipped_verdict(turn.services, release.artifacts)
    return list(release.artifacts), verdict


async def _before(turn: Turn, approval: Approval, release: Release) -> Previous | None:
    """The model version the stage before the approval's shipped last: ``release``'s (the approval's), or the newest
    release of the definition that succeeded there (None when there is no earlier stage, or no model artifact).
    Best effort: the card goes out without it when Azure DevOps cannot say."""
    names = [s.name for s in release.stages]
    if approval.stage not in names or names.index(approval.stage) == 0:
        return None
    try:
        recent = await recent_releases(turn.services.client(AZURE_DEVOPS), top=RECENT_RELEASES)
    except UserFacingError:
        return None
    earlier = names[names.index(approval.stage) - 1]
    for candidate in [release, *recent]:
        if candidate.definition != release.definition:
            continue
        stage = next((s for s in candidate.stages if s.name == earlier), None)
        model = next((a for a in candidate.artifacts if a.is_azure_ml_model and a.model and a.version), None)
        if stage is not None and model is not None and stage.status in ("succeeded", "partiallySucceeded"):
            return Previous(stage=earlier, version=model.version, release=candidate.name)
    return None


async def _approval_reply(turn: Turn, approval: PendingApproval, note: str = "") -> Reply:
    now = turn.services.clock()
    if isinstance(approval, RunApproval):
        return Reply(card=run_approval_card(approval, now=now, note=note, identity=identity_note(turn)))
    release = await read_release(turn.services.client(AZURE_DEVOPS), approval.release_id)  # read once, for both
    (verdict, _checked), previous = await asyncio.gather(shipped_verdict(turn.services, release.artifacts),
                                                         _before(turn, approval, release))
    return Reply(card=approval_card(approval, now=now, shipped=list(release.artifacts), verdict=verdict, note=note,
                                    identity=identity_note(turn), previous=previous,
                                    started_by=release.created_by))


async def _approvals(turn: Turn) -> Reply:
    services = turn.services
    devops = services.client(AZURE_DEVOPS)
    approvers = _approvers(services)
    classic, runs = await asyncio.gather(pending_approvals(devops), pending_run_approvals(devops))
    pending: list[PendingApproval] = sorted([*classic, *runs], key=lambda a: (a.created_on is None, a.created_on))
    assigned = await asyncio.gather(*(approvers.may_decide(a, turn.actor.aad_object_id) for a in pending))
    mine = [a for a, yes in zip(pending, assigned, strict=True) if yes]
    shown = pending if Role.ADMIN in turn.roles else mine
    if not shown:
        return Reply(card=nothing_waits_card(turn.actor.name))
    groups: dict[tuple[str, int], list[PendingApproval]] = {}
    for approval in mine:
        groups.setdefault(approval.group, []).append(approval)
    several = [g[:MAX_APPROVE_ALL] for g in groups.values() if len(g) > 1]

    async def work() -> Reply:
        replies = [await _approval_reply(turn, a) for a in shown[:MAX_CARDS]]
        replies += [Reply(card=approve_all_card(g, now=services.clock(), identity=identity_note(turn)))
                    for g in several]
        for reply in replies[:-1]:  # one card per approval, oldest first, then "Approve all"; the last is the answer
            await turn.conversation.send(reply)
        return replies[-1]

    return await answer_soon(turn, work(), lambda: Reply(text=f"Reading {len(shown)} approval(s)…"),
                             name="approvals")


@command("approvals", area=AREA, usage="approvals", examples=["approvals"])
async def handle_approvals(turn: Turn, args: Args) -> Reply:
    """Shows the release and pipeline approvals waiting for you (admins: all), oldest first, to approve or reject."""
    return await _approvals(turn)


@card_action(verbs.APPROVALS_LIST)
async def handle_approvals_button(turn: Turn, data: dict) -> Reply:
    """Shows the approvals waiting for you again."""
    return await _approvals(turn)


# ---- one decision ---------------------------------------------------------------------------------------------
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


def _target(approval: PendingApproval) -> str:
    if isinstance(approval, RunApproval):
        return f"{approval.what} (pipeline approval {approval.id})"
    return f"{approval.release_name} {approval.stage} (approval {approval.id})"


async def _read(devops: DevOpsClient, approval: PendingApproval) -> PendingApproval:
    """The approval as it is now."""
    if isinstance(approval, RunApproval):
        return await read_run_approval(devops, approval.id)
    return await read_approval(devops, approval.release_id, approval.id)


async def _send(devops: DevOpsClient, approval: PendingApproval, decision: str, comment: str) -> PendingApproval:
    """The one place a decision goes to Azure DevOps, with ``devops`` (the person's own token, or the bot's)."""
    if isinstance(approval, Approval):
        return await decide(devops, approval, decision, comment)
    try:
        return await yaml_approvals.decide(devops, approval, decision, comment)
    except NotAllowed as refused:  # Azure DevOps lets only the approver's own identity decide a YAML approval
        if devops.person:
            raise
        raise NotAllowed(f"Azure DevOps lets only {approval.approver} decide this pipeline approval, under their "
                         f"own identity, and the bot's identity is not theirs: {refused.message}",
                         next_step="Decide it in Azure DevOps (Open the run), or ask an admin to set up per-user "
                         "sign-in so that the bot decides as you.", answer=refused.answer) from None


@dataclass(frozen=True)
class Outcome:
    result: str  # approved | rejected | elsewhere (decided meanwhile) | gated | refused
    approval: PendingApproval
    detail: str = ""
    own_identity: bool = False  # decided with the person's own token (Azure DevOps records them)


async def _decide(turn: Turn, approval: PendingApproval, decision: str, comment: str, *, override: bool = False,
                  reason: str = "", quiet: bool = False) -> Outcome:
    """Decides ``approval`` (as just read) for the clicking person, exactly once. Not its approver: audited, then
    NotAllowed is raised (``quiet``: a "refused" Outcome). A failure of Azure DevOps is audited and raised."""
    services = turn.services
    target = _target(approval)
    if not approval.pending:
        return Outcome("elsewhere", approval)
    assigned = await _approvers(services).may_decide(approval, turn.actor.aad_object_id)
    try:
        await authorize(turn, AssignedApprover(approval.approver), what="decide this approval",
                        action=f"approval.{decision}", target=target, resource=assigned)
    except NotAllowed as refused:
        if not quiet:
            raise
        return Outcome("refused", approval, refused.message)
    override_reason = ""
    if decision == "approved" and isinstance(approval, Approval):
        shipped, verdict = await _shipped(turn, approval.release_id)
        model = next((a for a in shipped if a.is_azure_ml_model and a.model), None)
        if gated(verdict, model):
            if not override or not reason:
                await services.audit.record(turn.actor, "approval.approved", outcome="refused", target=target,
                                            conversation_id=turn.where.conversation_id, detail="model gate")
                return Outcome("gated", approval)
            override_reason = reason
    try:
        acting = await acting_devops(turn, doing="decide this approval")
    except SignInRequired:  # the click waits for the sign-in (bot.teams_edge carries it out afterwards)
        await services.audit.record(turn.actor, f"approval.{decision}", outcome="sign-in required", target=target,
                                    conversation_id=turn.where.conversation_id)
        raise
    own = bool(acting.person)
    lease = "approval:" + ":".join(str(part) for part in approval.lock_key)
    async with services.shared(ApprovalLocks, lambda s: ApprovalLocks()).of(approval.lock_key), \
            held(services, lease):  # one decision at a time in this process, and across every instance
        now = await _read(services.client(AZURE_DEVOPS), approval)
        if not now.pending:  # decided meanwhile (another click, another approver, the portal)
            return Outcome("elsewhere", now)
        try:
            done = await _send(acting, now, decision,
                               _comment(turn, decision, comment, override_reason, own_identity=own))
        except UserFacingError as failed:
            await services.audit.record(turn.actor, f"approval.{decision}", outcome="failed", target=target,
                                        conversation_id=turn.where.conversation_id, detail=failed.message[:200])
            raise
    said = (f"override: {override_reason}" if override_reason else comment)[:170]
    await services.audit.record(turn.actor, f"approval.{decision}", outcome="ok", target=target,
                                conversation_id=turn.where.conversation_id,
                                detail=f"{said} [{'own identity' if own else 'bot identity'}]".strip())
    return Outcome(decision, done, own_identity=own)


async def _decide_from_card(turn: Turn, approval: PendingApproval, data: dict) -> Reply:
    services = turn.services
    decision = str(data.get("decision", ""))
    comment = str(data.get(COMMENT, "") or "").strip()[:500]
    try:
        outcome = await _decide(turn, approval, decision, comment,
                                override=str(data.get(OVERRIDE, "")).lower() in ("yes", "true"),
                                reason=str(data.get(REASON, "") or "").strip()[:300])
    except SignInRequired as needed:  # the approval card stays, saying so; the sign-in card goes with it
        waiting = await _approval_reply(turn, approval, note="Sign in to Azure DevOps first: I sent you a sign-in "
                                        "card. Once you are signed in, your decision is made without clicking again.")
        return Reply(card=waiting.card, sign_in=needed.prompt)
    if outcome.result == "gated":
        return await _approval_reply(turn, outcome.approval, note=GATE_NOTE)
    decided = outcome.approval
    if outcome.result == "elsewhere":
        return await shared(turn, Reply(card=decided_card(decided, by=decided.approved_by or decided.approver,
                                                          at=decided.modified_on, now=services.clock(),
                                                          elsewhere=True)))
    by = (decided.approved_by or turn.actor.name) if outcome.own_identity else \
        f"{turn.actor.name} (through College Bot)"
    return await shared(turn, Reply(card=decided_card(decided, by=by, at=services.clock(), now=services.clock())))


@card_action(verbs.APPROVAL_DECIDE)
async def handle_approval_decide(turn: Turn, data: dict) -> Reply:
    """Approves or rejects a release approval (only its assigned approver)."""
    approval_id, release_id = int_of(data, "approval"), int_of(data, "release")
    if str(data.get("decision", "")) not in DECISIONS or not approval_id or not release_id:
        return Reply(card=nothing_waits_card(turn.actor.name))
    approval = await read_approval(turn.services.client(AZURE_DEVOPS), release_id, approval_id)
    return await _decide_from_card(turn, approval, data)


async def _read_run_approval(devops: DevOpsClient, approval_id: str, run_id: int) -> RunApproval:
    approval = await read_run_approval(devops, approval_id)
    if approval.run_id != run_id:
        raise NotFound(f"There is no pipeline approval {approval_id} in run {run_id}.",
                       next_step="Type approvals to see the ones waiting for you.")
    return approval


@card_action(verbs.RUN_APPROVAL_DECIDE)
async def handle_run_approval_decide(turn: Turn, data: dict) -> Reply:
    """Approves or rejects a YAML pipeline run's environment approval (only its assigned approver)."""
    approval_id, run_id = str(data.get("approval", "")), int_of(data, "run")
    if str(data.get("decision", "")) not in DECISIONS or not _GUID.match(approval_id) or not run_id:
        return Reply(card=nothing_waits_card(turn.actor.name))
    approval = await _read_run_approval(turn.services.client(AZURE_DEVOPS), approval_id.lower(), run_id)
    return await _decide_from_card(turn, approval, data)


# ---- approve all ----------------------------------------------------------------------------------------------
def _label(approval: PendingApproval) -> str:
    short = str(approval.id)[:8] if isinstance(approval, RunApproval) else str(approval.id)
    return f"{approval.stage or 'Approval'} (approval {short})"


def _line(turn: Turn, outcome: Outcome) -> str:
    approval = outcome.approval
    if outcome.result == "approved":
        return "approved"
    if outcome.result == "elsewhere":
        when = f" {ago(approval.modified_on, turn.services.clock())}" if approval.modified_on else ""
        return f"already {approval.status} by {approval.approved_by or approval.approver}{when}"
    if outcome.result == "gated":
        return "not approved: its model does not pass its check; it needs its own card, with the override and a reason"
    return f"refused: {outcome.detail}"


@card_action(verbs.APPROVALS_APPROVE_ALL)
async def handle_approve_all(turn: Turn, data: dict) -> Reply:
    """Approves each listed approval of one release or run that waits for you, and reports each separately."""
    kind, raw_ids = str(data.get("kind", "")), data.get("approvals")
    group_id = int_of(data, kind) if kind in ("release", "run") else 0
    ids = [str(i) for i in raw_ids[:MAX_APPROVE_ALL]] if isinstance(raw_ids, list) else []
    ids = [i for i in ids if (i.isdigit() and len(i) < 10 if kind == "release" else _GUID.match(i))]
    if not group_id or not ids:
        return Reply(card=nothing_waits_card(turn.actor.name))
    comment = str(data.get(COMMENT, "") or "").strip()[:500]
    devops = turn.services.client(AZURE_DEVOPS)
    await acting_devops(turn, doing="approve these")  # signed in first (else the sign-in card, then this again)

    async def one(approval_id: str) -> tuple[str, str, str]:
        try:
            approval: PendingApproval = (await read_approval(devops, group_id, int(approval_id)) if kind == "release"
                                         else await _read_run_approval(devops, approval_id.lower(), group_id))
        except UserFacingError as failed:
            return f"Approval {approval_id[:8]}", f"failed: {failed.message}", ""
        try:
            outcome = await _decide(turn, approval, "approved", comment, quiet=True)
        except UserFacingError as failed:
            return _label(approval), f"failed: {failed.message}", approval.release_name
        return _label(approval), _line(turn, outcome), approval.release_name

    async def work() -> Reply:
        results = [await one(i) for i in dict.fromkeys(ids)]  # one after another: each its own decision
        name = next((n for *_, n in results if n), f"{kind} {group_id}")
        return Reply(card=approve_all_result_card(name, [(label, line) for label, line, _ in results]))

    return await answer_soon(turn, work(), lambda: Reply(text=f"Approving {len(ids)} approval(s)…"),
                             name="approve all", share=True)
