"""Confirmation cards: ask, then show the outcome (who, when) in place of the question."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cards import verbs
from cards.common import Card, Element, card, container, execute, facts, heading, text


def confirm_card(title: str, summary: Sequence[tuple[str, str]], requested_by: str, token: str, expires_at: datetime,
                 note: str = "") -> Card:
    body: list[Element] = [*heading(title, subtle=f"Asked by {requested_by}. Only they can confirm."), facts(summary)]
    if note:
        body.append(container([text(note, color="Attention")], style="emphasis"))
    body.append(text(f"This request expires at {expires_at:%H:%M} UTC.", isSubtle=True, size="Small"))
    return card(
        body,
        [
            execute("Confirm", verbs.CONFIRM, {"token": token}, style="positive"),
            execute("Cancel", verbs.CANCEL, {"token": token}),
        ],
        fallback=f"{title}: confirm or cancel in the card.",
    )


def with_outcome(result: Card, outcome: str, by: str, at: datetime) -> Card:
    """The operation's result card, stamped with who decided and when."""
    stamped = dict(result)
    stamped["body"] = [
        *result.get("body", []),
        text(f"{outcome} by {by} at {at:%Y-%m-%d %H:%M} UTC", isSubtle=True, size="Small", separator=True),
    ]
    return stamped


def working_card(title: str, by: str, at: datetime) -> Card:
    """Shown when the confirmed work takes longer than a card action may; replaced by the outcome."""
    return card(
        [*heading(f"⏳ {title}"), text("Confirmed. Working on it: this card shows the outcome when it is done."),
         text(f"Confirmed by {by} at {at:%Y-%m-%d %H:%M} UTC", isSubtle=True, size="Small", separator=True)],
        fallback=f"{title}: working on it.",
    )


def closed_card(title: str, reason: str, by: str = "", at: datetime | None = None) -> Card:
    stamp = f" by {by}" if by else ""
    stamp += f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""
    return card([*heading(title), text(reason + stamp)], fallback=f"{title}: {reason}")
