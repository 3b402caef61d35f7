"""The team card: its members with their role (team admin or member) and access level, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cards import verbs
from cards.common import Card, Element, card, container, escape, execute, heading, text

PAGE_SIZE = 25


class MemberLike(Protocol):
    name: str
    email: str
    is_admin: bool
    access_level: str


def team_card(team: str, project: str, members: Sequence[MemberLike], page: int = 0,
              page_size: int = PAGE_SIZE) -> Card:
    total = len(members)
    pages = max(1, -(-total // page_size))
    page = min(max(0, page), pages - 1)
    shown = members[page * page_size:(page + 1) * page_size]
    admins = sum(1 for m in members if m.is_admin)
    subtle = f"{project} · {total} member{'s' if total != 1 else ''}, {admins} admin{'s' if admins != 1 else ''}"
    if pages > 1:
        subtle += f" (page {page + 1} of {pages})"
    body: list[Element] = heading(f"Team {escape(team)}", subtle=subtle)
    if not members:
        body.append(text("The team has no members yet. An admin can add people with **onboard <email>**."))
    rows = []
    for m in shown:
        role = "👑 Team admin" if m.is_admin else "Member"
        level = f" · {m.access_level}" if m.access_level else ""
        rows.append(text(f"**{escape(m.name)}** · {role}{level}  \n{m.email}", spacing="Small"))
    if rows:
        body.append(container(rows, separator=True))
    actions: list[Element] = []
    if page > 0:
        actions.append(execute("Back", verbs.TEAM_MORE, {"team": team, "page": page - 1}))
    if page < pages - 1:
        actions.append(execute("More", verbs.TEAM_MORE, {"team": team, "page": page + 1}))
    return card(body, actions, fallback=f"Team {team}: {total} members.")
