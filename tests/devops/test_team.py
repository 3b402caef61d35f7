"""team: members and roles, through the HTTP harness against the sandbox; the card's paging, pure."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cards import verbs
from cards.team import team_card
from tests.harness.cards import assert_valid_card, card_actions, card_texts
from tests.harness.people import people


def text_of(card: dict) -> str:
    return " ".join(card_texts(card))


async def test_team_lists_members_with_roles_and_access_levels(devops_bot):
    card = await devops_bot.ask("team")
    text = text_of(card)
    assert "Team College Team" in text and "5 members, 1 admin" in text
    for p in people().values():
        assert (p.name in text) == p.in_organization, p.name
    rows = [t for t in card_texts(card) if "·" in t and "@" in t]
    assert rows[0].startswith("**Alice Admin** · 👑 Team admin · Basic")
    assert any(r.startswith("**Erin Engineer** · Member · Stakeholder") for r in rows)


async def test_team_reads_every_page_of_members(devops_bot, devops_sandbox):
    devops_sandbox.reset(page_size=2)
    text = text_of(await devops_bot.ask('team "College Team"'))
    assert "5 members" in text and "Erin Engineer" in text


async def test_unknown_team_says_which_teams_exist(devops_bot):
    text = text_of(await devops_bot.ask('team "Data Team"'))
    assert "no team called 'Data Team'" in text and "College Team" in text


async def test_team_is_for_everyone(devops_bot):
    assert "Team College Team" in text_of(await devops_bot.ask("team", who="erin"))


@dataclass
class FakeMember:
    name: str
    email: str
    is_admin: bool
    access_level: str


def test_long_teams_are_paged_and_cards_stay_small():
    members = [FakeMember(f"Person {i:03d} {'x' * 40}", f"person{i:03d}.{'y' * 40}@collegeteam.onmicrosoft.com",
                          i < 3, "Basic") for i in range(200)]
    seen, page = [], 0
    while True:
        card = team_card("Big Team", "College", members, page)
        assert_valid_card(card)
        assert len(json.dumps(card).encode()) < 25 * 1024
        seen += [m.email for m in members if m.email in text_of(card)]
        more = [a for a in card_actions(card) if a["verb"] == verbs.TEAM_MORE and a["title"] == "More"]
        if not more:
            break
        assert more[0]["data"] == {"team": "Big Team", "page": page + 1}
        page += 1
    assert seen == [m.email for m in members] and page == 7


async def test_more_button_shows_the_next_page(devops_bot):
    status, card = await devops_bot.click(verbs.TEAM_MORE, {"team": "College Team", "page": 0})
    assert status == 200 and "Alice Admin" in text_of(card)
