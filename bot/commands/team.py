"""team ["<name>"]: a team's members and their roles."""

from __future__ import annotations

from bot.card_data import int_of
from bot.router import Args, card_action, command
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.projects import team_with_members
from bot.turn import Reply, Turn
from cards import verbs
from cards.team import team_card


async def _team_reply(turn: Turn, name: str, page: int = 0) -> Reply:
    devops = turn.services.client(AZURE_DEVOPS)
    team, members = await team_with_members(devops, name or devops.team)
    return Reply(card=team_card(team.name, devops.project, members, page))


@command("team", area="People", usage='team ["<name>"]', examples=["team", 'team "College Team"'],
         aliases=["members"])
async def handle_team(turn: Turn, args: Args) -> Reply:
    """Lists a team's members with their role (team admin or member) and access level."""
    return await _team_reply(turn, args.text)


@card_action(verbs.TEAM_MORE)
async def handle_team_more(turn: Turn, data: dict) -> Reply:
    """Shows another page of a team's members."""
    page = int_of(data, "page")
    return await _team_reply(turn, str(data.get("team", "")), page)
