"""Who may do what, in one place: roles, where they come from, and the check every handler goes through."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Protocol

from bot.errors import NotAllowed
from bot.turn import Actor

log = logging.getLogger(__name__)


class Role(StrEnum):
    MEMBER = "member"  # anyone the bot accepts (tenant allow-list passed)
    ADMIN = "admin"  # may change the organisation: create repositories, onboard, read the audit log


ROLE_EXPLANATIONS = {
    Role.MEMBER: "everyone in the team",
    Role.ADMIN: "the team's admins",
}


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

    @staticmethod
    def allows(required: Role, roles: frozenset[str]) -> bool:
        return required in roles

    def require(self, required: Role, roles: frozenset[str], what: str) -> None:
        if required in roles:
            return
        problems = [f"{source.name}: {source.problem()}" for source in self._sources if source.problem()]
        if problems:
            raise NotAllowed(
                f"I could not check whether you may {what}: {'; '.join(problems)}.",
                next_step="Try again in a minute. If it keeps happening, type doctor to see what is wrong with "
                "the Azure DevOps settings, or ask whoever runs the bot.",
                title="Role not checked",
            )
        raise NotAllowed(
            f"Only {ROLE_EXPLANATIONS[required]} may {what}.",
            next_step="Ask one of the team's admins to do it, or to give you the role. Type whoami to see your roles.",
        )
