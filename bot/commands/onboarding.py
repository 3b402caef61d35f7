"""onboard: give people an organisation entitlement (access level) and a place in the team."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from bot.confirmations import ask_confirmation
from bot.errors import InvalidInput, UserFacingError
from bot.policy import Role
from bot.router import Args, command, operation
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.model import Onboarded
from bot.services.devops.onboarding import onboard, team_group_descriptor, what_took_effect
from bot.services.devops.people import ACCESS_LEVELS, is_email
from bot.services.devops.projects import project_id, team_with_members
from bot.turn import Reply, Turn
from cards.onboarding import already_members_card, onboard_result_card

AREA = "People"
DIALOG_ID = "onboard"
USAGE = 'onboard <email or @mention> [...] [as basic|stakeholder] [to "<team>"]'
EXAMPLE = "onboard frank@contoso.com as stakeholder"
MAX_PEOPLE = 20
_SEPARATORS = re.compile(r"[,;]+")


@dataclass(frozen=True)
class OnboardRequest:
    people: tuple[str, ...]  # email addresses or "@Name" (a mention)
    level: str = ""  # basic | stakeholder, "" when not said
    team: str = ""  # "" = the configured team

    def describe(self) -> str:
        """The request as it would be typed after `onboard` (for the audit trail)."""
        words = [_quoted(p) for p in self.people]
        if self.level:
            words += ["as", self.level]
        if self.team:
            words += ["to", _quoted(self.team)]
        return " ".join(words)


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value or not value else value


def parse_onboard(tokens: tuple[str, ...] | list[str]) -> OnboardRequest:
    """``a@x.com @Name b@y.com as stakeholder to "Team"`` -> OnboardRequest; InvalidInput saying what is wrong."""
    people: list[str] = []
    level = team = ""
    words = list(tokens)
    i = 0
    while i < len(words):
        word = words[i]
        lowered = word.lower()
        if lowered in ("as", "to") and i + 1 < len(words):
            value = words[i + 1]
            if lowered == "as":
                if value.lower() not in ACCESS_LEVELS:
                    raise InvalidInput(f"'{value[:40]}' is not an access level I can give.",
                                       next_step="Say as basic or as stakeholder.")
                level = value.lower()
            else:
                team = value
            i += 2
            continue
        if lowered in ("as", "to"):
            raise InvalidInput(f"'{word}' needs a value after it.", next_step=f"Type {EXAMPLE}.")
        if lowered not in ("and", "&"):
            people += [p for p in (part.strip().strip("<>").removeprefix("mailto:") for part in
                                   _SEPARATORS.split(word)) if p]
        i += 1
    return OnboardRequest(tuple(dict.fromkeys(people)), level, team)


async def resolve_people(turn: Turn, people: tuple[str, ...]) -> list[str]:
    """Email addresses for the people named: typed addresses as they are, @mentions through Teams."""
    emails: list[str] = []
    unknown: list[str] = []
    invalid: list[str] = []
    for who in people:
        if who.startswith("@"):
            mention = next((m for m in turn.mentions if m.name == who[1:]), None)
            details = await turn.conversation.member_details(mention.channel_user_id) if mention else None
            email = (details.email or details.user_principal_name) if details else ""
            if not email:
                unknown.append(who)
                continue
            emails.append(email)
        elif is_email(who):
            emails.append(who)
        else:
            invalid.append(who)
    if invalid:
        listed = ", ".join(f"'{w[:60]}'" for w in invalid)
        raise InvalidInput(f"{'These are' if len(invalid) > 1 else 'This is'} not a valid email address: {listed}. "
                           "Nothing was changed.", next_step=f"Check the address and try again, e.g. {EXAMPLE}.")
    if unknown:
        raise InvalidInput(f"I could not find an email address for {', '.join(unknown)}. Nothing was changed.",
                           next_step="Type their email address instead of the mention.")
    return list(dict.fromkeys(e.lower() for e in emails))


@command("onboard", area=AREA, usage=USAGE, role=Role.ADMIN,
         examples=[EXAMPLE, 'onboard @Frank Newcomer dave@contoso.com to "College Team"', "onboard"])
async def handle_onboard(turn: Turn, args: Args) -> Reply:
    """Adds people to the organisation (basic or stakeholder) and to the team (admins; you confirm first)."""
    request = parse_onboard(args.tokens)
    if not request.people:
        return Reply(start_dialog=DIALOG_ID, dialog_options={"level": request.level, "team": request.team})
    return await plan_onboarding(turn, request)


async def plan_onboarding(turn: Turn, request: OnboardRequest) -> Reply:
    """Checks the people and the team, then asks to confirm (or says there is nothing to do)."""
    if len(request.people) > MAX_PEOPLE:
        raise InvalidInput(f"That is {len(request.people)} people; I onboard at most {MAX_PEOPLE} at a time.",
                           next_step="Split the list.")
    emails = await resolve_people(turn, request.people)
    devops = turn.services.client(AZURE_DEVOPS)
    team, members = await team_with_members(devops, request.team or devops.team)
    present = {m.email.lower() for m in members}
    already = [e for e in emails if e in present]
    to_add = [e for e in emails if e not in present]
    if not to_add:
        return Reply(card=already_members_card(team.name, already))
    level = request.level or "basic"
    summary = [("Add", ", ".join(to_add)), ("Access level", level.capitalize() + " (people who already have one "
                                                                                  "keep theirs)"),
               ("Team", team.name), ("Project", devops.project)]
    if already:
        summary.append(("Already members (unchanged)", ", ".join(already)))
    data = {"emails": to_add, "already": already, "level": level, "team": team.name,
            "target": f"{', '.join(to_add)} to {team.name} as {level}"[:200]}
    return await ask_confirmation(turn, "people.onboard", data, title="Onboard these people?", summary=summary)


@operation("people.onboard", role=Role.ADMIN, what="onboard people")
async def do_onboard(turn: Turn, data: dict) -> Reply:
    """Gives each confirmed person an entitlement and adds them to the team."""
    devops = turn.services.client(AZURE_DEVOPS)
    level = str(data.get("level", "basic"))
    if level not in ACCESS_LEVELS:
        raise InvalidInput(f"'{level}' is not an access level I can give.", next_step="Say basic or stakeholder.")
    (team, members), project = await asyncio.gather(
        team_with_members(devops, str(data.get("team", "")) or devops.team), project_id(devops))
    present = {m.email.lower() for m in members}
    descriptor = await team_group_descriptor(devops, team)
    results: list[Onboarded] = [Onboarded(e, "already") for e in data.get("already", [])]
    for email in data.get("emails", []):
        if email in present:  # resumed after a restart: those in the team now were added before it
            results.append(Onboarded(email, "added", note="done before the bot restarted") if data.get("resumed")
                           else Onboarded(email, "already"))
            continue
        try:
            results.append(await onboard(devops, email, level, team, descriptor, project))
        except UserFacingError as exc:  # the change may have taken effect anyway: say exactly what did
            results.append(await what_took_effect(devops, email, team, exc))
    if all(r.outcome in ("failed", "already") for r in results) and any(r.outcome == "failed" for r in results):
        # reported as a failure in the audit, with the per-person card
        failure = InvalidInput("Nobody could be added: " + "; ".join(f"{r.email}: {r.detail}" for r in results
                                                                      if r.outcome == "failed")[:400],
                               next_step="People must be in the organization's Microsoft Entra tenant, and the "
                               "address must be their sign-in name.", title="Nobody was added")
        raise failure
    return Reply(card=onboard_result_card(team.name, results))
