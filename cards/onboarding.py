"""Onboarding cards: who was added (with which access level), who already was a member, who could not be."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cards.common import Card, Element, card, container, escape, heading, next_step, status_line, text


class OnboardedLike(Protocol):
    email: str
    outcome: str  # added | already | failed
    detail: str
    name: str


def onboard_result_card(team: str, results: Sequence[OnboardedLike]) -> Card:
    added = [r for r in results if r.outcome == "added"]
    failed = [r for r in results if r.outcome == "failed"]
    title = f"✅ Onboarded to {escape(team)}" if added and not failed else (
        f"Onboarding to {escape(team)}: some could not be added" if added else f"❌ Nobody was added to {escape(team)}")
    lines: list[Element] = []
    for r in results:
        who = f"{r.name} ({r.email})" if r.name and r.name != r.email else r.email
        if r.outcome == "added":
            lines.append(status_line(True, f"{who}: added to the team" + (f", access level {r.detail}"
                                                                           if r.detail else "")))
        elif r.outcome == "already":
            lines.append(text(f"ℹ️ {who}: already a member, nothing changed", wrap=True))
        else:
            lines.append(status_line(False, f"{who}: {r.detail}"))
    body: list[Element] = [*heading(title), container(lines)]
    if failed:
        body.append(next_step("People must be in the organization's Microsoft Entra tenant (invite them as guests "
                              "first), and the address must be their sign-in name."))
    return card(body, fallback=f"Onboarding to {team}: {len(added)} added, {len(failed)} failed.")


def already_members_card(team: str, emails: Sequence[str]) -> Card:
    who = ", ".join(emails)
    verb = "is" if len(emails) == 1 else "are"
    return card([*heading("Nothing to do"), text(f"{who} {verb} already in team **{escape(team)}**. "
                                                 "Nothing was changed.")],
                fallback=f"{who} {verb} already in {team}; nothing was changed.")
