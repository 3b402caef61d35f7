"""The help cards: every command grouped by area, and one command in detail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cards.common import Card, card, container, facts, heading, text


class HelpItem(Protocol):
    name: str
    help: str
    area: str
    usage: str
    examples: tuple[str, ...]
    aliases: tuple[str, ...]
    role: str


def help_card(commands: Sequence[HelpItem], bot_name: str) -> Card:
    areas: dict[str, list[HelpItem]] = {}
    for item in commands:
        areas.setdefault(item.area, []).append(item)
    body = heading(f"{bot_name}: commands", subtle="In a channel, @mention me first. Type help <command> for details.")
    for area, items in areas.items():
        body.append(
            container(
                [text(area, weight="Bolder", color="Accent"), facts((i.name, i.help) for i in items)],
                separator=True,
            )
        )
    return card(body, fallback="College Bot commands: " + ", ".join(i.name for i in commands))


def command_help_card(item: HelpItem, who_may: str) -> Card:
    rows = [("Usage", item.usage), ("Who may use it", who_may)]
    if item.aliases:
        rows.append(("Also", ", ".join(item.aliases)))
    body = [
        *heading(item.name, subtle=item.help),
        facts(rows),
        text("Examples", weight="Bolder"),
        *(text(f"`{example}`", spacing="Small") for example in item.examples),
    ]
    return card(body, fallback=f"{item.name}: {item.usage}")
