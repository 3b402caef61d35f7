"""The SDK-free facts of one activity: who sent it, in which conversation, whom it mentions, which button."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
