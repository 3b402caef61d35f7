"""The way back to people: what a handler answers (Reply), and the ports that deliver it, in a turn
(Conversation) and outside one (Messenger, for proactive messages and cards updated later)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.sign_in import SignInPrompt


@dataclass(frozen=True)
class Reply:
    """What a handler answers: a card, a text, or both (card first)."""

    card: dict[str, Any] | None = None
    text: str | None = None
    start_dialog: str = ""  # a dialog (dialogs/) to begin after this reply, asking for what is missing
    dialog_options: dict[str, Any] | None = None
    sign_in: SignInPrompt | None = None  # a sign-in card sent with it; a clicked button is resumed after sign-in


@dataclass(frozen=True)
class MemberDetails:
    name: str
    email: str = ""
    user_principal_name: str = ""


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


class MessengerConversation:
    """The Conversation port outside any turn (work resumed after a restart): posts and updates through the
    Messenger; there is no one to ask details of and no dialog to leave."""

    def __init__(self, messenger: Messenger, conversation_id: str) -> None:
        self._messenger = messenger
        self._conversation_id = conversation_id

    async def send(self, reply: Reply) -> str:
        return await self._messenger.send(self._conversation_id, reply)

    async def update(self, activity_id: str, reply: Reply) -> None:
        await self._messenger.update(self._conversation_id, activity_id, reply)

    async def member_details(self, channel_user_id: str) -> MemberDetails | None:
        return None

    async def cancel_dialogs(self) -> bool:
        return False
