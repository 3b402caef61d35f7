"""The card shown where Teams asks the bot for something it does not offer (a dialog, a tab, settings)."""

from __future__ import annotations

from cards.common import Card, card, heading, text


def not_supported_card(bot_name: str, feature: str) -> Card:
    return card(
        [*heading(f"{bot_name} has no {feature}"),
         text("Everything it does is in the chat: type **help** to see its commands.")],
        fallback=f"{bot_name} has no {feature}. Type help in the chat.",
    )
