"""Replies to the Bot Connector (the activity's serviceUrl): a failure becomes ReplyFailed, told apart from a bug.

A reply target can refuse the connection, hang, answer 4xx/5xx, or answer 2xx with a body that is not JSON.
msrest raises a different exception for each (and the turn used to end in a 500); here they are one class,
``ReplyFailed``, with ``unreachable`` set when nothing answered at all, so the turn does not send an apology
into the same dead end. A 2xx whose body cannot be read still delivered the message.
"""

from __future__ import annotations

import logging

from aiohttp import ClientConnectionError
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from msrest.exceptions import ClientException, ClientRequestError, DeserializationError, SerializationError

from bot.connector_retry import with_connector_retry

log = logging.getLogger(__name__)

CONNECTOR_FAILURES = (ClientException, DeserializationError, SerializationError, OSError, TimeoutError,
                      ClientConnectionError)
"""What a call to the Bot Connector may raise: HTTP errors, refused or timed-out connections, answers that are
not JSON. msrest wraps transport errors in ClientRequestError; aiohttp's in case the transport changes."""
UNREACHABLE = (ClientRequestError, OSError, TimeoutError, ClientConnectionError)


class ReplyFailed(Exception):
    """The Bot Connector did not take a reply; ``unreachable`` when it could not be reached at all."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.unreachable = isinstance(cause, UNREACHABLE)


async def send_reply(ctx: TurnContext, activity: Activity) -> str:
    """Sends one activity (with the connector retry policy); the new message id, "" when the answer is unreadable.

    A 2xx answer whose body is not JSON still delivered the message: msrest only fails to read the id.
    Any other connector failure becomes ReplyFailed, so a dead reply target is told apart from a bug.
    """
    try:
        response = await with_connector_retry(lambda: ctx.send_activity(activity))
    except DeserializationError:
        log.warning("the connector's answer was not readable; the message counts as sent")
        return ""
    except CONNECTOR_FAILURES as exc:
        raise ReplyFailed(exc) from exc
    return (response.id or "") if response else ""


async def update_reply(ctx: TurnContext, activity: Activity) -> None:
    """Replaces a message the bot sent (same failure handling as send_reply)."""
    try:
        await with_connector_retry(lambda: ctx.update_activity(activity))
    except DeserializationError:
        log.warning("the connector's answer was not readable; the update counts as done")
    except CONNECTOR_FAILURES as exc:
        raise ReplyFailed(exc) from exc
