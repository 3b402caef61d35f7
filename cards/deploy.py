"""Deploying a stage by hand: what the confirmation card lists (release, stage, what it ships with the model's
verdict), and the card that follows the stage until it ends (queued, waiting for an approver, deploying, then
succeeded, failed, rejected or canceled, with how long it took and a link to the release)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.services.devops.model import Approval, Release, ShippedArtifact
from cards import verbs
from cards.common import Card, Element, card, container, escape, execute, facts, heading, next_step, open_url, text
from cards.connections import ago
from cards.models import verdict_of, verdict_words

STATUS_WORDS = {"notStarted": "not started", "scheduled": "scheduled", "queued": "queued", "inProgress": "deploying",
                "succeeded": "succeeded", "partiallySucceeded": "partially succeeded", "rejected": "rejected",
                "canceled": "canceled", "failed": "failed"}


class RunLike(Protocol):
    """What the follow card reads of a stage's run (bot.services.devops.deployments.StageRun)."""

    @property
    def release_id(self) -> int: ...
    @property
    def release_name(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def attempt(self) -> int: ...
    @property
    def outcome(self) -> str: ...
    @property
    def started_on(self) -> datetime | None: ...
    @property
    def duration_s(self) -> float | None: ...
    @property
    def running(self) -> bool: ...
    @property
    def ended(self) -> bool: ...
    @property
    def waiting(self) -> Sequence[Approval]: ...
    @property
    def decided(self) -> Sequence[Approval]: ...
    @property
    def requester_may_approve(self) -> bool: ...


def requester_note(run: RunLike, *, bot_requested: bool = True) -> str:
    """When Azure DevOps will refuse a decision made with the identity that requested the deployment (VS402923):
    the bot requested it with its own identity (no per-user sign-in), so the approval is decided in Azure DevOps
    by the approver (or reassigned). With per-user sign-in the admin who deployed requested it, and the approvers
    decide as themselves."""
    if not bot_requested or run.requester_may_approve or not run.waiting:
        return ""
    names = ", ".join(a.approver for a in run.waiting)
    return (f"College Bot requested this deployment with its own Azure DevOps identity, and this stage does not let "
            f"whoever requested a deployment approve it: a decision made through the bot is refused. {names}: "
            "approve or reject it in Azure DevOps.")


def duration_words(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    return f"{hours} h {rest // 60} min" if rest // 60 else f"{hours} h"


def _shipped_words(artifact: ShippedArtifact, verdict: dict[str, Any] | None, checked: bool) -> str:
    if artifact.is_azure_ml_model and artifact.model:
        said = f"Azure ML model {artifact.model} version {artifact.version}"
        return f"{said}: {verdict_words(verdict)}" if checked else said
    return f"{artifact.type} {artifact.version}".strip()


def deploy_question(release: Release, stage: str, status: str, outcome: str, attempt: int, *, redeploy: bool,
                    verdict: dict[str, Any] | None = None, checked: bool = False
                    ) -> tuple[str, list[tuple[str, str]], str]:
    """The confirmation's title, its facts and its note: what will be deployed where."""
    doing = "Redeploy" if redeploy else "Deploy"
    title = f"{doing} {stage} of {release.name}?"
    now = STATUS_WORDS.get(outcome or status, outcome or status)
    stage_words = f"{stage} · {now}" + (f" (attempt {attempt})" if attempt else "")
    pairs = [("Release", f"{release.name} · {release.definition}"), ("Stage", stage_words)]
    pairs += [(a.alias, _shipped_words(a, verdict, checked)) for a in release.artifacts]
    note = ""
    model = next((a for a in release.artifacts if a.is_azure_ml_model and a.model), None)
    if model is not None and checked and verdict_of(verdict) != "pass":
        note = (f"The model being shipped ({model.model} version {model.version}) does not pass its check: "
                "its approvers see that on their approval card.")
    return title, pairs, note


def _title(run: RunLike) -> str:
    where = f"{run.stage} of {run.release_name}"
    if run.ended:
        symbol = {"succeeded": "✅", "partiallySucceeded": "⚠️", "canceled": "⛔"}.get(run.outcome, "❌")
        return f"{symbol} {where} {STATUS_WORDS.get(run.outcome, run.outcome)}"
    if run.waiting:
        return f"⏳ {where} is waiting for approval"
    return f"🔄 Deploying {where}…"


def _progress_line(run: RunLike, now: datetime) -> str:
    if run.waiting:
        names = ", ".join(a.approver for a in run.waiting)
        since = min((a.created_on for a in run.waiting if a.created_on), default=None)
        return (f"Waiting for {names} to approve" + (f" (asked {ago(since, now)})" if since else "") +
                ". The approval card is in this conversation; they can also type approvals.")
    if run.status == "inProgress":
        return "Deploying" + (f" since {ago(run.started_on, now)}" if run.started_on else "") + "."
    if run.status == "queued":
        return "Queued: the deployment starts in a moment."
    return ""


def deployment_card(run: RunLike, *, web_url: str, now: datetime, problem: str = "", next_to_do: str = "",
                    bot_requested: bool = True) -> Card:
    """A stage's run as it stands: progress while it runs, the result and its duration once it has ended.
    ``problem`` (with ``next_to_do``): the card stopped following it (too long, or its progress cannot be read)."""
    body: list[Element] = heading(_title(run))
    pairs = [("Release", run.release_name), ("Stage", run.stage), ("Attempt", str(run.attempt or "-")),
             ("Status", STATUS_WORDS.get(run.outcome or run.status, run.outcome or run.status))]
    if run.ended and run.duration_s is not None:
        pairs.append(("Duration", duration_words(run.duration_s)))
    body.append(facts(pairs))
    line = "" if run.ended else _progress_line(run, now)
    if line:
        body.append(text(escape(line)))
    note = "" if run.ended else requester_note(run, bot_requested=bot_requested)
    if note:
        body.append(container([text(escape(note), color="Attention", size="Small")], style="emphasis"))
    if run.outcome == "rejected":
        for approval in run.decided:
            if approval.status == "rejected":
                said = f"Rejected by {approval.approved_by or approval.approver}" + (
                    f": \u201c{approval.comments}\u201d" if approval.comments else ".")
                body.append(container([text(escape(said), size="Small")], style="emphasis"))
    if problem:
        body.append(container([text(problem, color="Attention")], style="emphasis"))
    if next_to_do:
        body.append(next_step(next_to_do))
    elif run.outcome == "failed":
        body.append(next_step(f"Open the release in Azure DevOps and read the deployment's logs; once it is fixed, "
                              f"type redeploy {run.release_id} {run.stage}."))
    elif run.running and not problem:
        body.append(text("This card updates itself until the deployment ends.", isSubtle=True, size="Small"))
    actions: list[Element] = []
    if web_url:
        actions.append(open_url("Open in Azure DevOps", web_url))
    actions.append(execute(f"{run.release_name} details", verbs.RELEASE_SHOW, {"id": run.release_id}))
    fallback = f"{_title(run)}" + (f": {web_url}" if web_url else "")
    return card(body, actions, fallback=fallback)
