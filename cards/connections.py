"""Service connections as a card: type, authorization, readiness, last use, and the live TestConnection verdict.

Each connection becomes a plain view (``connection_view``: the connection, its test, its last use and what a failure
means) and then a block. While tests still run it shows ⏳ rows and says it will update itself; the final card
replaces it in place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.devops.model import ConnectionTest, Diagnosis, LastExecution, ServiceConnection, TestState
from cards import verbs
from cards.common import (
    MAX_CARD_BYTES,
    Card,
    Element,
    card,
    container,
    escape,
    execute,
    facts,
    heading,
    next_step,
    text,
)

# state -> (symbol, colour); the symbol reads without colour
STATES = {
    "pass": ("✅", "Good"),
    "fail": ("❌", "Attention"),
    "timeout": ("⏱️", "Warning"),
    "error": ("⚠️", "Warning"),
    "pending": ("⏳", "Default"),
}
# Leave room under Teams' limit for the header, the footer and the actions.
BODY_BUDGET_BYTES = MAX_CARD_BYTES - 3 * 1024
MAX_REASON_CHARS = 700


@dataclass(frozen=True)
class ConnectionView:
    name: str
    kind: str  # "GitHub", "Azure Resource Manager", ...
    scheme: str  # "ServicePrincipal", "PersonalAccessToken", ...
    ready: bool
    last_run: str  # "succeeded · TinyYOLO to IoT Edge · Release-12 · 2026-11-24 10:00 UTC", or "never used"
    state: str  # a key of STATES: the TestConnection verdict
    verdict: str  # "passed in 0.3 s", "failed", "timed out after 10 s", "testing…"
    reason: str = ""  # the service's own words, shown verbatim
    next_step: str = ""
    url: str = ""  # the connection in the Azure DevOps portal


# ---- from the data to a view ---------------------------------------------------------------------------------------
def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    seconds = max(0.0, (now - when).total_seconds())
    if seconds < 90:
        return "just now"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


def last_run_text(last: LastExecution | None, now: datetime, *, known: bool = True) -> str:
    if not known:
        return "history unavailable"
    if last is None:
        return "never used by a pipeline"
    parts = [last.result, last.definition, last.run, ago(last.finished, now)]
    return " · ".join(p for p in parts if p)


def verdict_text(test: ConnectionTest | None, timeout_s: float) -> tuple[str, str]:
    """(state for the card, words)"""
    if test is None:
        return "pending", "testing…"
    if test.state is TestState.PASSED:
        took = f"{test.seconds * 1000:.0f} ms" if test.seconds < 1 else f"{test.seconds:.1f} s"
        return "pass", f"TestConnection passed in {took}"
    if test.state is TestState.FAILED:
        return "fail", "TestConnection failed"
    if test.state is TestState.TIMED_OUT:
        return "timeout", f"TestConnection timed out after {timeout_s:g} s"
    return "error", "TestConnection could not be run"


def connection_view(connection: ServiceConnection, test: ConnectionTest | None, last: LastExecution | None,
                    diagnosis: Diagnosis | None, *, history_known: bool, now: datetime,
                    timeout_s: float) -> ConnectionView:
    state, words = verdict_text(test, timeout_s)
    reason = ""
    if test is not None and test.state is TestState.FAILED:
        reason = f"{diagnosis.summary} The service said: {test.message}" if diagnosis else test.message
    elif diagnosis is not None:
        reason = diagnosis.summary
    return ConnectionView(
        name=connection.name,
        kind=connection.kind,
        scheme=connection.scheme_name,
        ready=connection.is_ready,
        last_run=last_run_text(last, now, known=history_known),
        state=state,
        verdict=words,
        reason=reason,
        next_step=diagnosis.next_step if diagnosis else "",
        url=connection.web_url,
    )


# ---- the card ------------------------------------------------------------------------------------------------------
def verdict_line(state: str, label: str, **style: Any) -> Element:
    """A one-line status whose symbol says pass / fail / timed out / could not check / still checking."""
    symbol, color = STATES[state]
    return {"type": "TextBlock", "text": f"{symbol} {label}", "wrap": True, "color": color, **style}


def verbatim(value: str, *, subtle: bool = True) -> Element:
    """Text from elsewhere (a service's error message), shown as is: a TextRun is never read as Markdown."""
    if len(value) > MAX_REASON_CHARS:
        value = value[: MAX_REASON_CHARS - 1] + "…"
    run: Element = {"type": "TextRun", "text": value, "size": "Small"}
    if subtle:
        run["isSubtle"] = True
    return {"type": "RichTextBlock", "inlines": [run], "spacing": "Small"}


def _size(element: Element) -> int:
    return len(json.dumps(element, ensure_ascii=False).encode())


def _order(view: ConnectionView) -> tuple[int, str]:
    rank = {"fail": 0, "timeout": 1, "error": 2, "pending": 3, "pass": 4}[view.state]
    return rank, view.name.lower()


def connection_block(view: ConnectionView) -> Element:
    items: list[Element] = [
        verdict_line(view.state, f"**{escape(view.name)}** · {view.verdict}", weight="Bolder"),
        facts([
            ("Type", view.kind),
            ("Authorization", view.scheme),
            ("Ready", "yes" if view.ready else "no (not ready: open it in Azure DevOps)"),
            ("Last used", view.last_run),
        ]),
    ]
    if view.reason:
        items.append(verbatim(view.reason))
    if view.next_step:
        items.append(next_step(view.next_step))
    block = container(items, separator=True)
    if view.url:
        block["selectAction"] = {"type": "Action.OpenUrl", "url": view.url, "title": f"Open {view.name}"}
    return block


def connections_card(project: str, views: Sequence[ConnectionView], *, pending: bool, timeout_s: float,
                     tested_at: str = "") -> Card:
    ordered = sorted(views, key=_order)
    failing = [v for v in ordered if v.state in ("fail", "timeout", "error")]
    if not views:
        subtitle = f"Project {project} has no service connections."
    elif pending:
        subtitle = (f"Testing {len(views)} connection(s) live… This card updates itself when every test has "
                    f"answered (at most {timeout_s:g} s).")
    else:
        outcome = f"{len(failing)} need attention" if failing else "all pass"
        when = f" at {tested_at}" if tested_at else ""
        subtitle = f"{len(views)} connection(s) in {project}, tested live with TestConnection{when}: {outcome}."
    body: list[Element] = heading("Service connections", subtle=subtitle)
    if not views:
        body.append(next_step("Create one in Azure DevOps: Project settings → Service connections → "
                                    "New service connection."))
    used = 0
    shown = 0
    for view in ordered:
        block = connection_block(view)
        used += _size(block)
        if used > BODY_BUDGET_BYTES:
            break
        body.append(block)
        shown += 1
    if shown < len(ordered):
        rest = ordered[shown:]
        names = ", ".join(v.name for v in rest[:20]) + (", …" if len(rest) > 20 else "")
        body.append(text(f"{len(rest)} more not shown (the card would be too large for Teams): {escape(names)}. "
                         "See them all in Project settings → Service connections.", isSubtle=True, separator=True))
    actions = [] if pending else [execute("Test again", verbs.CONNECTIONS_TEST),
                                  execute("Run doctor", verbs.DOCTOR_RUN)]
    fallback = f"Service connections: {len(views)}, {len(failing)} need attention."
    return card(body, actions, fallback=fallback)
