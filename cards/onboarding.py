"""Onboarding cards: who was added (with which access level), who already was a member, who could not be."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.devops.model import Onboarded
from cards.common import Card, Element, card, container, escape, heading, next_step, status_line, text


def _line(r: Onboarded) -> Element:
    who = f"{r.name} ({r.email})" if r.name and r.name != r.email else r.email
    note = f" ({r.note})" if r.note else ""
    if r.outcome == "added":
        level = f", access level {r.detail}" if r.detail else ""
        return status_line(True, f"{who}: added to the team{level}{note}")
    if r.outcome == "already":
        return text(f"ℹ️ {who}: already a member, nothing changed", wrap=True)
    if r.outcome == "partial":
        return text(f"⚠️ {who}: {r.detail}", wrap=True, color="Warning")
    if r.outcome == "unknown":
        return text(f"❓ {who}: {r.detail}", wrap=True, color="Warning")
    return status_line(False, f"{who}: {r.detail}")


def onboard_result_card(team: str, results: Sequence[Onboarded]) -> Card:
    added = [r for r in results if r.outcome == "added"]
    failed = [r for r in results if r.outcome == "failed"]
    unsure = [r for r in results if r.outcome in ("partial", "unknown")]
    if added and not failed and not unsure:
        title = f"✅ Onboarded to {escape(team)}"
    elif added or unsure:
        title = f"Onboarding to {escape(team)}: not everyone is in yet"
    else:
        title = f"❌ Nobody was added to {escape(team)}"
    body: list[Element] = [*heading(title), container([_line(r) for r in results])]
    if any(r.outcome == "partial" for r in results):
        body.append(next_step(f"Type onboard again for them: people who have access keep it, and they are only "
                              f"added to {team}."))
    if any(r.outcome == "unknown" for r in results):
        body.append(next_step("Type team in a minute to see who is in; onboard again whoever is missing (nothing "
                              "is done twice)."))
    if failed:
        body.append(next_step("People must be in the organization's Microsoft Entra tenant (invite them as guests "
                              "first), and the address must be their sign-in name."))
    return card(body, fallback=f"Onboarding to {team}: {len(added)} added, {len(failed)} failed, "
                f"{len(unsure)} to check.")


def already_members_card(team: str, emails: Sequence[str]) -> Card:
    who = ", ".join(emails)
    verb = "is" if len(emails) == 1 else "are"
    return card([*heading("Nothing to do"), text(f"{who} {verb} already in team **{escape(team)}**. "
                                                 "Nothing was changed.")],
                fallback=f"{who} {verb} already in {team}; nothing was changed.")
