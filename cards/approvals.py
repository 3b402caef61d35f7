"""Approval cards: what is being approved (release, stage, the model version shipped and its test verdict), a
comment box, Approve / Reject; the model-quality gate (an explicit override with a reason when the model fails
its check or cannot be checked); and the card after a decision, as everyone sees it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.services.devops.model import Approval, ShippedArtifact
from cards import verbs
from cards.common import Card, Element, card, container, escape, execute, facts, heading, next_step, text
from cards.connections import ago
from cards.models import verdict_of, verdict_words

COMMENT, OVERRIDE, REASON = "comment", "override", "reason"  # the inputs' ids (their values come with the action)


def gated(verdict: dict[str, Any] | None, shipped: ShippedArtifact | None) -> bool:
    """Approve needs an override: the model being shipped fails its check or could not be checked."""
    return shipped is not None and verdict_of(verdict) != "pass"


def approval_card(approval: Approval, *, now: datetime, shipped: Sequence[ShippedArtifact] = (),
                  verdict: dict[str, Any] | None = None, note: str = "", identity: str = "") -> Card:
    """``identity``: whose identity Azure DevOps will record for the decision (said on every decision card)."""
    model = next((a for a in shipped if a.is_azure_ml_model and a.model), None)
    title = f"Approve {approval.stage} of {approval.release_name}?"
    since = f"requested {ago(approval.created_on, now)}" if approval.created_on else ""
    body: list[Element] = heading(title, subtle=" · ".join(p for p in (approval.definition, since) if p))
    pairs = [("Release", approval.release_name), ("Stage", approval.stage), ("Approver", approval.approver)]
    pairs += [(a.alias, f"{a.type} {a.version}".strip()) for a in shipped if not (a.is_azure_ml_model and a.model)]
    if model is not None:
        pairs.append(("Model", f"{model.model} version {model.version}: {verdict_words(verdict)}"))
    body.append(facts(pairs))
    if note:
        body.append(text(note, color="Attention", weight="Bolder"))
    body.append({"type": "Input.Text", "id": COMMENT, "label": "Comment (goes into Azure DevOps)",
                 "isMultiline": True, "maxLength": 500, "placeholder": "Why approve or reject?"})
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


def decided_card(approval: Approval, *, by: str, at: datetime | None, now: datetime, elsewhere: bool = False) -> Card:
    """The approval once decided: approved or rejected, by whom, when, with the comment."""
    symbol = "✅" if approval.status == "approved" else "❌" if approval.status == "rejected" else "ℹ️"
    title = f"{symbol} {approval.status.capitalize()}: {approval.stage} of {approval.release_name}"
    when = f" {ago(at, now)}" if at else ""
    said = f"{'Already decided: ' if elsewhere else ''}{approval.status} by {by}{when}."
    body: list[Element] = [*heading(title), text(escape(said))]
    if approval.comments:
        body.append(container([text(escape(approval.comments), size="Small")], style="emphasis"))
    return card(body, [execute("Approvals", verbs.APPROVALS_LIST, {})], fallback=f"{title}: {said}")


def nothing_waits_card(who: str) -> Card:
    return card([*heading("Nothing waits for you"), text(f"No release approval is assigned to {who} right now.")],
                fallback="No approval waits for you.")
