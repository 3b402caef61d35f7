"""Approval cards: what is being approved (a release's stage with the model version shipped and its test verdict,
or a YAML pipeline run's environment approval), a comment box, Approve / Reject; the model-quality gate (an explicit
override with a reason when the model fails its check or cannot be checked); "Approve all N" for one release or run
and its result, one line per approval; and the card after a decision, as everyone sees it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.services.devops.model import Approval, PendingApproval, Previous, RunApproval, ShippedArtifact
from cards import verbs
from cards.common import (
    Card,
    Element,
    card,
    container,
    escape,
    execute,
    facts,
    heading,
    next_step,
    open_url,
    text,
)
from cards.connections import ago
from cards.models import verdict_of, verdict_words

COMMENT, OVERRIDE, REASON = "comment", "override", "reason"  # the inputs' ids (their values come with the action)


def gated(verdict: dict[str, Any] | None, shipped: ShippedArtifact | None) -> bool:
    """Approve needs an override: the model being shipped fails its check or could not be checked."""
    return shipped is not None and verdict_of(verdict) != "pass"


def change_words(version: str, previous: Previous) -> str:
    """The version shipped against the one the stage before shipped: "version 3, was 2 in QA (Release-2)"."""
    where = f"in {previous.stage} ({previous.release})"
    if previous.version == version:
        return f"version {version}, the same as {where}"
    return f"version {version}, was {previous.version} {where}"


def approval_card(approval: Approval, *, now: datetime, shipped: Sequence[ShippedArtifact] = (),
                  verdict: dict[str, Any] | None = None, note: str = "", previous: Previous | None = None,
                  identity: str = "", started_by: str = "") -> Card:
    """``identity``: whose identity Azure DevOps will record for the decision (said on every decision card);
    ``started_by``: who started the release the approval belongs to."""
    model = next((a for a in shipped if a.is_azure_ml_model and a.model), None)
    title = f"Approve {approval.stage} of {approval.release_name}?"
    since = f"requested {ago(approval.created_on, now)}" if approval.created_on else ""
    if since and started_by:
        since += f" in a release {started_by} started"
    body: list[Element] = heading(title, subtle=" · ".join(p for p in (approval.definition, since) if p))
    pairs = [("Release", approval.release_name), ("Stage", approval.stage), ("Approver", approval.approver)]
    pairs += [(a.alias, f"{a.type} {a.version}".strip()) for a in shipped if not (a.is_azure_ml_model and a.model)]
    if model is not None:
        pairs.append(("Model", f"{model.model} version {model.version}: {verdict_words(verdict)}"))
        if previous is not None:
            pairs.append(("Change", change_words(model.version, previous)))
    body.append(facts(pairs))
    if note:
        body.append(text(note, color="Attention", weight="Bolder"))
    body.append(_comment_box())
    approve = "Approve"
    if gated(verdict, model):
        reason = (verdict or {}).get("reason") or "it has not been checked"
        body.append(next_step(f"The model being shipped does not pass its check ({reason}). To approve anyway, "
                              "tick the override and say why: it goes into Azure DevOps and the audit trail."))
        body.append({"type": "Input.Toggle", "id": OVERRIDE, "title": "Ship it although its check does not pass",
                     "valueOn": "yes", "valueOff": "no", "value": "no"})
        body.append({"type": "Input.Text", "id": REASON, "label": "Reason for the override", "maxLength": 300})
        approve = "Approve anyway"
    if identity:
        body.append(text(identity, isSubtle=True, size="Small"))
    data = {"approval": approval.id, "release": approval.release_id}
    actions = [execute(approve, verbs.APPROVAL_DECIDE, {**data, "decision": "approved"}, style="positive"),
               execute("Reject", verbs.APPROVAL_DECIDE, {**data, "decision": "rejected"}, style="destructive")]
    return card(body, actions, fallback=f"{title} Approve or reject in the card.")


def _comment_box() -> Element:
    return {"type": "Input.Text", "id": COMMENT, "label": "Comment (goes into Azure DevOps)",
            "isMultiline": True, "maxLength": 500, "placeholder": "Why approve or reject?"}


def run_approval_card(approval: RunApproval, *, now: datetime, note: str = "", identity: str = "") -> Card:
    """A YAML pipeline run's environment approval: pipeline, run, stage or environment when known, instructions,
    requested when, who it waits for, who may not approve it; a comment box, Approve / Reject."""
    title = f"Approve {approval.what}?"
    since = f"requested {ago(approval.created_on, now)}" if approval.created_on else ""
    body: list[Element] = heading(title, subtle=" · ".join(p for p in ("YAML pipeline", since) if p))
    pairs = [("Pipeline", approval.pipeline), ("Run", approval.run_name)]
    if approval.stage:
        pairs.append(("Environment", approval.stage))
    pairs.append(("Approver", approval.approver))
    if approval.blocked:
        pairs.append(("May not approve", ", ".join(i.name for i in approval.blocked)))
    body.append(facts(pairs))
    if approval.instructions:
        body.append(container([text(f"**Instructions:** {escape(approval.instructions)}", size="Small")],
                              style="emphasis"))
    if note:
        body.append(text(note, color="Attention", weight="Bolder"))
    body.append(_comment_box())
    if identity:
        body.append(text(identity, isSubtle=True, size="Small"))
    data = {"approval": approval.id, "run": approval.run_id}
    actions = [execute("Approve", verbs.RUN_APPROVAL_DECIDE, {**data, "decision": "approved"}, style="positive"),
               execute("Reject", verbs.RUN_APPROVAL_DECIDE, {**data, "decision": "rejected"}, style="destructive")]
    if approval.run_url:
        actions.append(open_url("Open the run", approval.run_url))
    return card(body, actions, fallback=f"{title} Approve or reject in the card.")


def approve_all_card(approvals: Sequence[PendingApproval], *, now: datetime, identity: str = "") -> Card:
    """Several approvals of one release or run wait for the same person: one "Approve all N" for them, each
    decided and reported separately (a gated one is left for its own card)."""
    first = approvals[0]
    count = len(approvals)
    name = first.release_name
    body: list[Element] = heading(f"{count} approvals of {name} wait for you",
                                  subtle="Approve all decides each one separately and reports each.")
    body.append(facts([(a.stage or "approval", f"requested {ago(a.created_on, now)}" if a.created_on else "pending")
                       for a in approvals]))
    body.append(_comment_box())
    body.append(text("A model that does not pass its check is not approved this way: it needs its own card, with "
                     "the override and a reason.", isSubtle=True, size="Small"))
    if identity:
        body.append(text(identity, isSubtle=True, size="Small"))
    kind, group_id = first.group
    data = {"kind": kind, kind: group_id, "approvals": [a.id for a in approvals]}
    return card(body, [execute(f"Approve all {count}", verbs.APPROVALS_APPROVE_ALL, data, style="positive")],
                fallback=f"{count} approvals of {name} wait for you.")


def approve_all_result_card(name: str, lines: Sequence[tuple[str, str]]) -> Card:
    """What "Approve all" did, one line per approval: (what, outcome)."""
    done = sum(outcome.startswith("approved") for _, outcome in lines)
    body: list[Element] = heading(f"Approve all: {name}", subtle=f"{done} of {len(lines)} approved.")
    body.append(facts((what, outcome) for what, outcome in lines))
    return card(body, [execute("Approvals", verbs.APPROVALS_LIST, {})],
                fallback=f"Approve all {name}: {done} of {len(lines)} approved.")


def decided_card(approval: PendingApproval, *, by: str, at: datetime | None, now: datetime,
                 elsewhere: bool = False) -> Card:
    """The approval once decided: approved or rejected, by whom, when, with the comment."""
    symbol = "✅" if approval.status == "approved" else "❌" if approval.status == "rejected" else "ℹ️"
    title = f"{symbol} {approval.status.capitalize()}: {approval.what}"
    when = f" {ago(at, now)}" if at else ""
    said = f"{'Already decided: ' if elsewhere else ''}{approval.status} by {by}{when}."
    body: list[Element] = [*heading(title), text(escape(said))]
    if approval.comments:
        body.append(container([text(escape(approval.comments), size="Small")], style="emphasis"))
    return card(body, [execute("Approvals", verbs.APPROVALS_LIST, {})], fallback=f"{title}: {said}")


def nothing_waits_card(who: str) -> Card:
    return card([*heading("Nothing waits for you"),
                 text(f"No release or pipeline approval is assigned to {who} right now.")],
                fallback="No approval waits for you.")
