"""Cards for failures: expected ones say what to do next; unexpected ones give only a correlation id."""

from __future__ import annotations

from cards.common import Card, card, heading, text
from cards.common import next_step as next_step_block


def error_card(title: str, message: str, next_step: str = "") -> Card:
    body = [*heading(f"⚠️ {title}"), text(message)]
    if next_step:
        body.append(next_step_block(next_step))
    return card(body, fallback=f"{title}: {message} {next_step}".strip())


def apology_card(correlation_id: str) -> Card:
    return card(
        [
            *heading("Sorry, something went wrong on our side"),
            text("Nothing more was done. Please try again in a minute."),
            text(f"If it keeps happening, give the bot's owners this reference: **{correlation_id}**"),
        ],
        fallback=f"Sorry, something went wrong. Reference: {correlation_id}",
    )


def unknown_command_card(typed: str, suggestions: list[str]) -> Card:
    body = [*heading("I don't know that command"), text(f"You typed: `{typed}`" if typed else "You sent no command.")]
    if suggestions:
        body.append(text("Did you mean: " + ", ".join(f"**{s}**" for s in suggestions) + "?"))
    body.append(text("Type **help** to see every command, or **help <command>** for one of them."))
    return card(body, fallback="Unknown command. Type help.")
