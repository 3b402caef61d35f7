"""The card a typed command shows while its work goes on; it is replaced by the command's answer."""

from __future__ import annotations

from cards.common import Card, card, heading, text


def working_on_card(command: str) -> Card:
    return card([*heading(f"⏳ Working on {command}…"),
                 text("Azure DevOps is taking its time. This card shows the answer when it is ready; you can go on "
                      "with other commands meanwhile.", isSubtle=True)],
                fallback=f"Working on {command}…")
