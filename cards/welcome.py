"""The card posted once when the bot is installed in a chat or added to a team."""

from __future__ import annotations

from cards import verbs
from cards.common import Card, card, execute, heading, text


def welcome_card(bot_name: str, in_team: bool) -> Card:
    how = "@mention me with a command" if in_team else "type a command"
    return card(
        [
            *heading(f"👋 Hi, I'm {bot_name}"),
            text(
                "I run the team's MLOps from here: repositories, onboarding, service connections, models "
                "and release approvals on Azure DevOps and Azure ML."
            ),
            text(f"To start, {how}, for example **help**, **whoami** or **doctor**."),
        ],
        [execute("Show commands", verbs.HELP_COMMAND, {"command": ""})],
        fallback=f"Hi, I'm {bot_name}. Type help to see what I can do.",
    )
