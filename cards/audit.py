"""The audit trail as a card: newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from cards.common import Card, card, container, heading, text


class AuditRow(Protocol):
    seq: int | None
    at: datetime | None
    actor_name: str
    action: str
    target: str
    outcome: str
    detail: str


_OUTCOME = {"ok": "✅", "refused": "⛔", "failed": "❌", "cancelled": "↩️"}


def audit_card(entries: Sequence[AuditRow], requested: int) -> Card:
    body = heading("Audit trail", subtle=f"Latest {len(entries)} of the last {requested} requested, newest first.")
    if not entries:
        body.append(text("Nothing has been recorded yet."))
    for entry in entries:
        when = entry.at.strftime("%Y-%m-%d %H:%M:%S UTC") if entry.at else ""
        line = f"{_OUTCOME.get(entry.outcome, '•')} **{entry.action}** {entry.target}".rstrip()
        detail = f"{entry.actor_name} · {when} · {entry.outcome}" + (f" · {entry.detail}" if entry.detail else "")
        body.append(
            container(
                [text(line, spacing="None"), text(detail, isSubtle=True, size="Small", spacing="None")],
                separator=True,
            )
        )
    return card(body, fallback=f"Audit trail: {len(entries)} entries")
