"""The small, SDK-free picture of one turn that commands work with: who, where, what, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.services.container import Services


@dataclass(frozen=True)
class Actor:
    """The person behind the activity. Authorization keys on the Entra object id, never on the name."""

    channel_user_id: str
    name: str
    aad_object_id: str = ""
    tenant_id: str = ""

    @property
    def key(self) -> str:
        return self.aad_object_id or self.channel_user_id


@dataclass(frozen=True)
class Where:
    conversation_id: str
    conversation_type: str  # "personal" | "channel" | "groupChat"
    tenant_id: str = ""
    team_id: str = ""


@dataclass(frozen=True)
class Mention:
    """Someone other than the bot, @mentioned in the message."""

    channel_user_id: str
    name: str
    aad_object_id: str = ""


@dataclass(frozen=True)
class CardAction:
    verb: str
    data: dict[str, Any]
    card_activity_id: str = ""  # the message holding the card that was clicked


@dataclass(frozen=True)
class MemberDetails:
    name: str
    email: str = ""
    user_principal_name: str = ""


@dataclass(frozen=True)
class Reply:
    """What a handler answers: a card, a text, or both (card first)."""

    card: dict[str, Any] | None = None
    text: str | None = None
    start_dialog: str = ""  # a dialog (dialogs/) to begin after this reply, asking for what is missing
    dialog_options: dict[str, Any] | None = None


class Conversation(Protocol):
    """The turn's way back to the user; valid only during the turn."""

    async def send(self, reply: Reply) -> str:
        """Posts a new message; returns its activity id."""
        ...

    async def update(self, activity_id: str, reply: Reply) -> None:
        """Replaces an earlier message (a card) in place."""
        ...

    async def member_details(self, channel_user_id: str) -> MemberDetails | None: ...

    async def cancel_dialogs(self) -> bool:
        """Leaves any multi-step dialog in this conversation; True when there was one."""
        ...


class Messenger(Protocol):
    """Reaches a conversation outside a turn (proactive messages), by its conversation id."""

    async def send(self, conversation_id: str, reply: Reply) -> str: ...

    async def update(self, conversation_id: str, activity_id: str, reply: Reply) -> None: ...


@dataclass
class Turn:
    actor: Actor
    where: Where
    conversation: Conversation
    services: Services
    correlation_id: str
    text: str = ""
    action: CardAction | None = None
    mentions: tuple[Mention, ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)
