"""One turn as commands see it, free of SDK types: who, where, what was typed or clicked, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.activity import Actor, CardAction, Mention, Where
from bot.container import Services
from bot.conversation import Conversation, MemberDetails, Messenger, Reply
from bot.live_card import LiveCard
from bot.sign_in import UserTokens

__all__ = ["Actor", "CardAction", "Conversation", "MemberDetails", "Mention", "Messenger", "Reply", "Turn", "Where"]


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
    progress: LiveCard | None = None  # the card this turn shows its progress on, once work outlasts the turn
    tokens: UserTokens | None = None  # the person at the token service; None without per-user sign-in
