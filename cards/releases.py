"""Releases as cards: the newest releases with each stage at a glance, and one release in detail (stages with
status, times and approvers; artifacts, with the Azure ML model version's test verdict)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.services.devops.model import Release, Stage
from cards import verbs
from cards.common import Card, Element, card, container, escape, execute, facts, heading, open_url, text
from cards.connections import ago
from cards.models import verdict_words

STAGE_SYMBOLS = {"succeeded": "✅", "partiallysucceeded": "⚠️", "inprogress": "🔄", "queued": "🔄", "rejected": "❌",
                 "failed": "❌", "canceled": "⛔", "scheduled": "🕒", "notstarted": "▫️", "undefined": "▫️"}


def stage_words(stage: Stage) -> str:
    if stage.waiting_for:
        return f"⏳ {stage.name} waiting for {', '.join(stage.waiting_for)}"
    return f"{STAGE_SYMBOLS.get(stage.status.lower(), '▫️')} {stage.name}"


def releases_card(project: str, releases: Sequence[Release], *, now: datetime, definition: str = "") -> Card:
    subtitle = f"The newest {len(releases)} release(s)" + (f" of {definition}" if definition else "") + \
        f" in {project}."
    body: list[Element] = heading("Releases", subtle=subtitle)
    if not releases:
        body.append(text("No releases yet.", isSubtle=True))
    for release in releases:
        when = ago(release.created_on, now) if release.created_on else ""
        line = f"**{escape(release.name)}** · {escape(release.definition)}" + (
            f" · started by {escape(release.created_by)} {when}" if release.created_by else "")
        stages = " · ".join(stage_words(s) for s in release.stages) or "no stages"
        block = container([text(line, spacing="None"), text(stages, size="Small", spacing="None")], separator=True)
        block["selectAction"] = execute(f"{release.name} details", verbs.RELEASE_SHOW, {"id": release.id})
        body.append(block)
    actions = [execute(f"Open {r.name}", verbs.RELEASE_SHOW, {"id": r.id}) for r in releases[:3]]
    return card(body, actions, fallback=f"Releases: {len(releases)}.")


def _approval_lines(stage: Stage, now: datetime) -> list[str]:
    lines = []
    for approval in stage.approvals:
        if approval.status == "pending":
            since = f" since {ago(approval.created_on, now)}" if approval.created_on else ""
            lines.append(f"approval: waiting for {approval.approver}{since}")
        else:
            by = approval.approved_by or approval.approver
            comment = f" (\u201c{approval.comments}\u201d)" if approval.comments else ""
            lines.append(f"approval: {approval.status} by {by}{comment}")
    return lines


def release_card(release: Release, *, now: datetime,
                 verdicts: Mapping[tuple[str, str], dict[str, Any] | None] | None = None) -> Card:
    subtitle = f"{release.definition} · {release.status}" + (
        f" · started by {release.created_by} {ago(release.created_on, now)}" if release.created_by else "")
    body: list[Element] = heading(release.name, subtle=subtitle)
    for stage in release.stages:
        lines = [text(f"**{stage_words(stage)}** · {stage.status}"
                      + (f" · {ago(stage.modified_on, now)}" if stage.modified_on else ""), spacing="None")]
        lines += [text(escape(line), size="Small", spacing="None", isSubtle=True)
                  for line in _approval_lines(stage, now)]
        body.append(container(lines, separator=True))
    if release.artifacts:
        pairs = []
        for artifact in release.artifacts:
            value = f"{artifact.type} {artifact.version}".strip()
            if artifact.is_azure_ml_model and artifact.model:
                verdict = (verdicts or {}).get((artifact.model, artifact.version))
                value = f"Azure ML model {artifact.model} version {artifact.version}: {verdict_words(verdict)}"
            pairs.append((artifact.alias, value))
        body.append(text("**Artifacts**", separator=True))
        body.append(facts(pairs))
    actions = [execute("All releases", verbs.RELEASES_MORE, {})]
    if release.web_url:
        actions.append(open_url("Open in Azure DevOps", release.web_url))
    return card(body, actions, fallback=f"{release.name}: " + ", ".join(stage_words(s) for s in release.stages))
