"""Messages the bot sends on its own: after background work, for approvals waiting, for digests.

Uses the conversation references stored when the bot was installed or last spoken to
(botbuilder is imported here, at the edge, like in bot/teams_edge.py).
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ActivityTypes, ConversationReference

from bot.connector_retry import with_connector_retry
from bot.errors import NotFound
from bot.store import ConversationReferences
from bot.teams_edge import reply_activity
from bot.turn import Reply

log = logging.getLogger(__name__)


class BotMessenger:
    """The Messenger port: send to, or update a message in, a conversation the bot knows."""

    def __init__(self, adapter: CloudAdapter, store: ConversationReferences, app_id: str) -> None:
        self._adapter = adapter
        self._store = store
        self._app_id = app_id

    async def _reference(self, conversation_id: str) -> ConversationReference:
        stored = await self._store.get_conversation_reference(conversation_id)
        if stored is None:
            raise NotFound("I have no way to reach that conversation yet.",
                           next_step="Install the bot there, or say something to it, first.")
        return ConversationReference().deserialize(stored)

    async def send(self, conversation_id: str, reply: Reply) -> str:
        sent: list[str] = []

        async def callback(ctx: TurnContext) -> None:
            response = await with_connector_retry(lambda: ctx.send_activity(reply_activity(reply)))
            sent.append(response.id if response else "")

        await self._adapter.continue_conversation(await self._reference(conversation_id), callback, self._app_id)
        return sent[0] if sent else ""

    async def update(self, conversation_id: str, activity_id: str, reply: Reply) -> None:
        async def callback(ctx: TurnContext) -> None:
            activity = reply_activity(reply)
            activity.id = activity_id
            activity.type = ActivityTypes.message
            await with_connector_retry(lambda: ctx.update_activity(activity))

        await self._adapter.continue_conversation(await self._reference(conversation_id), callback, self._app_id)
