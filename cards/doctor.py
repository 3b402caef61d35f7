"""The workshop readiness check (doctor) as one card: each item passes, or fails with the exact next step."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.checks.model import CheckResult
from cards import verbs
from cards.common import Card, Element, card, container, execute, heading, next_step, text
from cards.connections import STATES, verbatim, verdict_line

LEGEND = {"pass": "passes", "fail": "fails", "timeout": "timed out", "error": "could not check", "pending": "checking"}


FIX_TITLES = {"extension": "Install it", "arm_connection": "Create it", "secure_file": "Upload it"}


def check_block(view: CheckResult, fixes: frozenset[str] = frozenset()) -> Element:
    items: list[Element] = [verdict_line(view.state, f"**{view.title}**")]
    if view.detail:
        items.append(text(view.detail, isSubtle=True, spacing="None", size="Small"))
    if view.reason:
        items.append(verbatim(view.reason))
    if view.next_step:
        items.append(next_step(view.next_step))
    if view.fix and view.fix in fixes:  # the bot can close this gap itself (asks to confirm first)
        items.append({"type": "ActionSet", "actions": [
            execute(FIX_TITLES.get(view.fix, "Fix it"), verbs.DOCTOR_FIX, {"fix": view.fix}, style="positive")]})
    return container(items, separator=True)


def doctor_card(project: str, checks: Sequence[CheckResult], *, pending: bool, checked_at: str = "",
                fixes: frozenset[str] = frozenset(), note: str = "") -> Card:
    """``fixes``: the gaps the person looking may have the bot close (admins); ``note``: what was just done."""
    total = len(checks)
    passed = sum(1 for c in checks if c.state == "pass")
    waiting = sum(1 for c in checks if c.state == "pending")
    if pending:
        subtitle = f"Checking {total} items… {passed} pass so far. This card updates itself when all have answered."
    elif passed == total:
        subtitle = f"All {total} checks pass: {project} is ready for the MLOps part of the workshop."
    else:
        subtitle = f"{passed} of {total} checks pass. Do the next steps below, then check again."
    if checked_at and not pending:
        subtitle += f" Checked at {checked_at}."
    body: list[Element] = heading(f"Workshop readiness · {project}", subtle=subtitle)
    if note:
        body.append(text(note, color="Good", weight="Bolder"))
    body.extend(check_block(c, fixes) for c in checks)
    shown = {c.state for c in checks}
    legend = " · ".join(f"{symbol} {LEGEND[name]}" for name, (symbol, _) in STATES.items() if name in shown)
    body.append(text(legend, isSubtle=True, size="Small", separator=True))
    actions = [] if waiting else [execute("Check again", verbs.DOCTOR_RUN),
                                  execute("Service connections", verbs.CONNECTIONS_TEST)]
    failing = [c.title for c in checks if c.state not in ("pass", "pending")]
    fallback = f"Workshop readiness: {passed}/{total} pass." + (f" Failing: {'; '.join(failing)}" if failing else "")
    return card(body, actions, fallback=fallback[:900])
