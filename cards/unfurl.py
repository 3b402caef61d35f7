"""Cards for a pasted Azure DevOps link (link unfurling): one pipeline run, the preview Teams shows in the compose
box, and any card made fit to travel as someone else's message (no buttons that need the bot's own message)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from bot.services.devops.model import PipelineRun
from cards.common import Card, Element, card, facts, heading, open_url, text
from cards.connections import ago
from cards.pipelines import run_words

THUMBNAIL = "application/vnd.microsoft.card.thumbnail"
MAX_PREVIEW_CHARS = 200


def run_card(run: PipelineRun, *, now: datetime) -> Card:
    """One YAML pipeline run (or build): its state or result at a glance, when, and a link."""
    when = [("Started", ago(run.created_on, now))] if run.created_on else []
    if run.finished_on:
        when.append(("Finished", ago(run.finished_on, now)))
    body: list[Element] = [
        *heading(f"{run.pipeline} · run {run.name}", subtle="Pipeline run"),
        text(run_words(run), weight="Bolder"),
        facts([("Pipeline", run.pipeline), ("Run", run.name), *when]),
    ]
    actions = [open_url("Open in Azure DevOps", run.web_url)] if run.web_url else []
    return card(body, actions, fallback=f"{run.pipeline} run {run.name}: {run_words(run)}")


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
