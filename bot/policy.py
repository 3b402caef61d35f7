"""Who may do what to which thing, in one place: roles and where they come from, rules (a role, or a rule that
looks at the thing, such as "the approval's assigned approvers"), and the one decision every handler goes through
(``Policy.decide``; bot.authorization audits and answers a refusal)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.activity import Actor

log = logging.getLogger(__name__)


class Role(StrEnum):
    MEMBER = "member"  # anyone the bot accepts (tenant allow-list passed)
    ADMIN = "admin"  # may change the organisation: create repositories, onboard, read the audit log

    @property
    def who(self) -> str:
        return ROLE_EXPLANATIONS[self]

    def allows(self, actor: Actor, roles: frozenset[str], resource: object | None = None) -> bool:
        return self in roles


ROLE_EXPLANATIONS = {
    Role.MEMBER: "everyone in the team",
    Role.ADMIN: "the team's admins",
}


class Rule(Protocol):
    """Who may do something, possibly depending on the thing it is done to (``resource``)."""

    @property
    def who(self) -> str:
        """In a refusal: "Only {who} may ..."."""
        ...

    def allows(self, actor: Actor, roles: frozenset[str], resource: object | None = None) -> bool: ...


@dataclass(frozen=True)
class AssignedApprover:
    """Only the approval's assigned approver (a person, or a member of the assigned group) may decide it, whatever
    their roles: the resource is whether the actor was found to be that approver."""

    approver: str  # the approver's name, for the refusal

    @property
    def who(self) -> str:
        return self.approver

    def allows(self, actor: Actor, roles: frozenset[str], resource: object | None = None) -> bool:
        return resource is True


@dataclass(frozen=True)
class Refusal:
    """Why someone may not do something, what to do instead, and the audit detail."""

    message: str
    next_step: str
    title: str = "Not allowed"
    detail: str = ""


class RoleSource(Protocol):
    """Something that knows some of a person's roles (settings, the Azure DevOps team, ...)."""

    name: str

    async def roles_for(self, actor: Actor) -> set[Role]: ...

    def problem(self) -> str:
        """Why this source could not vouch for anyone just now ("" when it could)."""
        ...


class ConfiguredAdmins:
    """People named in BOT_ADMINS (Entra object ids) are admins, whatever else says."""

    name = "BOT_ADMINS"

    def __init__(self, object_ids: list[str]) -> None:
        self._ids = {i.strip().lower() for i in object_ids if i.strip()}

    async def roles_for(self, actor: Actor) -> set[Role]:
        if actor.aad_object_id and actor.aad_object_id.lower() in self._ids:
            return {Role.ADMIN}
        return set()

    def problem(self) -> str:
        return ""


class Policy:
    def __init__(self, sources: list[RoleSource]) -> None:
        self._sources = list(sources)

    def add_source(self, source: RoleSource) -> None:
        self._sources.append(source)

    async def roles_for(self, actor: Actor) -> frozenset[str]:
        roles: set[Role] = {Role.MEMBER}
        for source in self._sources:
            roles |= await source.roles_for(actor)
        return frozenset(roles)

    async def explain(self, actor: Actor) -> list[str]:
        """Which source gave which role, for whoami: ["admin from BOT_ADMINS", ...]."""
        lines = []
        for source in self._sources:
            for role in sorted(await source.roles_for(actor)):
                lines.append(f"{role} from {source.name}")
        return lines

    def decide(self, actor: Actor, roles: frozenset[str], rule: Rule, what: str,
               resource: object | None = None) -> Refusal | None:
        """None when ``actor`` may do ``what`` (to ``resource``); else the refusal, said once for everyone."""
        if rule.allows(actor, roles, resource):
            return None
        problems = [f"{source.name}: {source.problem()}" for source in self._sources if source.problem()]
        if problems:
            return Refusal(
                f"I could not check whether you may {what}: {'; '.join(problems)}.",
                next_step="Try again in a minute. If it keeps happening, type doctor to see what is wrong with "
                "the Azure DevOps settings, or ask whoever runs the bot.",
                title="Role not checked", detail=f"needs {rule.who}; roles not checked")
        return Refusal(
            f"Only {rule.who} may {what}.",
            next_step="Ask one of the team's admins to do it, or to give you the role. Type whoami to see your roles.",
            detail=f"needs {rule.who}")
