"""Cards for a pasted Azure DevOps link (link unfurling): one pipeline run, the preview Teams shows in the compose
box, and any card made fit to travel as someone else's message (no buttons that need the bot's own message)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.services.devops.model import Build, RunApproval
from cards.common import Card, Element, card, facts, heading, open_url, text
from cards.connections import ago
from cards.pipelines import RESULT_SYMBOLS, STATE_SYMBOLS

THUMBNAIL = "application/vnd.microsoft.card.thumbnail"
MAX_PREVIEW_CHARS = 200


def build_words(build: Build, waiting: Sequence[RunApproval] = ()) -> str:
    """The run at a glance: waiting for whom, running, or how it ended."""
    if waiting:
        return f"⏳ waiting for approval by {', '.join(dict.fromkeys(a.approver for a in waiting))}"
    if build.status.lower() == "completed":
        return f"{RESULT_SYMBOLS.get(build.result.lower(), '▫️')} {build.result or 'completed'}"
    return f"{STATE_SYMBOLS.get(build.status.lower(), '▫️')} {build.status or 'unknown'}"


def run_card(build: Build, *, now: datetime, waiting: Sequence[RunApproval] = ()) -> Card:
    """One pipeline run (a build): its state or result at a glance, branch, for whom, when it ended, a link."""
    pairs = [("Pipeline", build.pipeline), ("Run", build.number), ("Branch", build.branch.removeprefix("refs/heads/")),
             ("Requested for", build.pushed_by)]
    if build.finished:
        pairs.append(("Finished", ago(build.finished, now)))
    body: list[Element] = [
        *heading(f"{build.pipeline} · run {build.number}", subtle="Pipeline run"),
        text(build_words(build, waiting), weight="Bolder"),
        facts(pairs),
    ]
    actions = [open_url("Open in Azure DevOps", build.web_url)] if build.web_url else []
    return card(body, actions, fallback=f"{build.pipeline} run {build.number}: {build_words(build, waiting)}")


def without_bot_buttons(shown: Card) -> Card:
    """The card with its Action.Execute buttons (and tap actions) taken out: an unfurled card is posted as the
    person's own message, maybe where the bot is not, so only links keep working."""
    def clean(node: Any) -> Any:
        if isinstance(node, list):
            return [clean(item) for item in node
                    if not (isinstance(item, dict) and item.get("type") == "Action.Execute")]
        if isinstance(node, dict):
            return {key: clean(value) for key, value in node.items()
                    if not (key == "selectAction" and isinstance(value, dict)
                            and value.get("type") == "Action.Execute")}
        return node

    cleaned = clean(copy.deepcopy(shown))
    if not cleaned.get("actions"):
        cleaned.pop("actions", None)
    return cleaned


def preview(title: str, summary: str) -> dict[str, Any]:
    """The thumbnail card Teams shows for the link in the compose box (the full card opens from it)."""
    short = summary if len(summary) <= MAX_PREVIEW_CHARS else summary[:MAX_PREVIEW_CHARS - 1] + "…"
    return {"contentType": THUMBNAIL, "content": {"title": title[:100], "text": short}}


def problem_preview(title: str, bot_name: str) -> dict[str, Any]:
    return preview(f"⚠️ {title}", f"{bot_name} could not show what this link names.")
