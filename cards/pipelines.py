"""YAML pipeline runs as a card: the newest runs across the project's pipelines, each with its state or result at a
glance, when, the environment approvals it waits for, and a link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.services.devops.model import PipelineRun
from cards import verbs
from cards.common import Card, Element, card, container, escape, execute, heading, open_url, text
from cards.connections import ago

RESULT_SYMBOLS = {"succeeded": "✅", "failed": "❌", "canceled": "⛔", "partiallysucceeded": "⚠️"}
STATE_SYMBOLS = {"inprogress": "🔄", "canceling": "⛔", "notstarted": "▫️"}


def run_words(run: PipelineRun) -> str:
    """The run at a glance: waiting for whom, running, or how it ended."""
    if run.waiting:
        who = ", ".join(dict.fromkeys(a.approver for a in run.waiting))
        return f"⏳ waiting for approval by {who}"
    if run.state.lower() == "completed":
        return f"{RESULT_SYMBOLS.get(run.result.lower(), '▫️')} {run.result or 'completed'}"
    return f"{STATE_SYMBOLS.get(run.state.lower(), '▫️')} {run.state or 'unknown'}"


def pipelines_card(project: str, runs: Sequence[PipelineRun], *, now: datetime) -> Card:
    body: list[Element] = heading("Pipeline runs", subtle=f"The newest {len(runs)} run(s) of the YAML pipelines "
                                                          f"in {project}.")
    if not runs:
        body.append(text("No YAML pipeline has run yet.", isSubtle=True))
    for run in runs:
        when = f"started {ago(run.created_on, now)}" if run.created_on else ""
        if run.finished_on:
            when += f", finished {ago(run.finished_on, now)}"
        line = f"**{escape(run.pipeline)}** · run {escape(run.name)}" + (f" · {when}" if when else "")
        block = container([text(line, spacing="None"), text(run_words(run), size="Small", spacing="None")],
                          separator=True)
        if run.web_url:
            block["selectAction"] = open_url(f"Open run {run.name}", run.web_url)
        body.append(block)
    actions: list[Element] = [open_url(f"Open {r.pipeline} {r.name}", r.web_url) for r in runs[:2] if r.web_url]
    if any(r.waiting for r in runs):
        actions.append(execute("Approvals", verbs.APPROVALS_LIST, {}))
    actions.append(execute("Refresh", verbs.PIPELINES_LIST, {}))
    return card(body, actions, fallback=f"Pipeline runs: {len(runs)}.")
