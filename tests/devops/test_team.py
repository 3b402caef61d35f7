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


MEMBERS = "/teams/[^/]+/members$"


def member_reads(devops_sandbox, since: int) -> list[int]:
    return [r["status"] for r in devops_sandbox.requests(since)
            if r["method"] == "GET" and r["path"].endswith("/members")]


async def test_injected_429_honours_retry_after(devops_bot, devops_sandbox):
    await devops_bot.ask("whoami")  # the admin lookup (cached) reads the team's members too
    devops_sandbox.add_fault(path_regex=MEMBERS, method="GET", status=429, retry_after=4, count=1)
    since = devops_sandbox.last_seq()
    text = text_of(await devops_bot.ask("team"))
    assert "5 members, 1 admin" in text
    assert 4.0 in devops_bot.sleeps.waits
    assert member_reads(devops_sandbox, since)[:2] == [429, 200]


async def test_injected_503_is_retried(devops_bot, devops_sandbox):
    await devops_bot.ask("whoami")
    devops_sandbox.add_fault(path_regex=MEMBERS, method="GET", status=503, count=2)
    since = devops_sandbox.last_seq()
    assert "5 members, 1 admin" in text_of(await devops_bot.ask("team"))
    assert member_reads(devops_sandbox, since)[:3] == [503, 503, 200]


async def test_azure_devops_down_says_so_with_a_next_step(devops_bot, devops_sandbox):
    await devops_bot.ask("whoami")
    devops_sandbox.add_fault(path_regex=MEMBERS, method="GET", status=503)
    text = text_of(await devops_bot.ask("team"))
    assert "Azure DevOps answered 503" in text and "Try again in a minute" in text
    assert "Traceback" not in text


async def test_team_reads_the_team_its_members_and_access_levels_at_the_same_time(devops_bot, devops_sandbox):
    await devops_bot.ask("team")  # warm: the SDK's one-time location lookups
    # every call takes 300 ms, so calls that ran at the same time are plain to see in the request log
    devops_sandbox.add_fault(path_regex="_apis/(projects|memberentitlements|userentitlements)", delay_ms=300)
    since = devops_sandbox.last_seq()
    assert "5 members" in text_of(await devops_bot.ask("team"))
    calls = [r for r in devops_sandbox.requests(since) if r["method"] == "GET"]
    intervals = sorted((r["at"] - r["ms"], r["at"]) for r in calls)
    # the team, the first page of members and the access levels overlap; then only the (empty) second page
    overlapping_first = [s for s, _ in intervals if s < intervals[0][1]]
    assert len(calls) == 4 and len(overlapping_first) == 3, calls
