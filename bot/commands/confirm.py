"""The Confirm and Cancel buttons of every confirmation card."""

from __future__ import annotations

from bot import confirmations
from bot.router import card_action
from bot.turn import Reply, Turn
from cards import verbs


@card_action(verbs.CONFIRM)
async def handle_confirm(turn: Turn, data: dict) -> Reply:
    """Confirms a pending request (only the person who asked)."""
    return await confirmations.confirm(turn, str(data.get("token", "")))


@card_action(verbs.CANCEL)
async def handle_cancel_request(turn: Turn, data: dict) -> Reply:
    """Cancels a pending request (only the person who asked)."""
    return await confirmations.cancel(turn, str(data.get("token", "")))
