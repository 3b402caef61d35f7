"""`help` through a real Teams client: the Agents Playground in headless Chromium, against `python app.py`."""

from __future__ import annotations

import pytest

from tests.e2e.teams_ui import Teams


@pytest.fixture(scope="module")
def command_names() -> list[str]:
    import bot.commands  # noqa: F401 - registers the commands
    from bot.router import REGISTRY

    names = [c.name for c in REGISTRY.commands]
    assert names, "the registry is empty"
    return names


def assert_lists_every_command(card_text: str, names: list[str]) -> None:
    lines = {line.strip() for line in card_text.splitlines()}
    missing = [name for name in names if name not in lines]
    assert not missing, f"the help card does not list {missing}; it shows:\n{card_text}"


def test_help_in_personal_chat(teams: Teams, command_names: list[str]) -> None:
    teams.open_personal_chat()
    reply = teams.send("help")
    teams.screenshot("personal-chat-help")

    assert reply.cards, f"help answered without a card: {reply.raw}"
    assert_lists_every_command(teams.last_card().inner_text(), command_names)


def test_help_in_team_channel_with_mention(teams: Teams, command_names: list[str]) -> None:
    teams.open_channel("General")
    reply = teams.mention_bot_and_send("help")
    teams.screenshot("channel-help")

    assert reply.cards, f"help answered without a card: {reply.raw}"
    assert_lists_every_command(teams.last_card().inner_text(), command_names)
