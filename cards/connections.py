"""Service connections as a card: type, authorization, readiness, last use, and the live TestConnection verdict.

The card is built from plain views (``ConnectionView``), so it never knows about Azure DevOps or the bot. While
tests still run it shows ⏳ rows and says it will update itself; the final card replaces it in place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cards import verbs
from cards.common import MAX_CARD_BYTES, Card, Element, card, container, escape, execute, facts, heading, text

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


def next_step_block(next_step: str) -> Element:
    return container([text(f"**Next step:** {next_step}", spacing="None")], style="emphasis")


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
        items.append(next_step_block(view.next_step))
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
        body.append(next_step_block("Create one in Azure DevOps: Project settings → Service connections → "
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
