"""``POST /api/devops/events``: Azure DevOps service hook deliveries (subscriptions made by ``subscribe``,
bot/commands/subscriptions.py) become cards in the subscribed conversation.

* Authentication: basic auth whose user name is the bot's id of the subscription and whose password is that
  subscription's own secret (compared by hash, in constant time). Missing or wrong: 401 and a log line (never the
  secret). Azure DevOps webhooks carry no signature, so this is the only proof of origin.
* The body is read within MAX_BODY_BYTES and parsed as strictly as an activity (bot/json_body.py); one that is not
  a known event of that subscription (its event type, one of its Azure DevOps subscription ids, an event id): 400.
* A delivery Azure DevOps repeats (same subscription, same event id: its retries resend both) posts once
  (the store's de-duplication).
* Nothing the event says is trusted beyond its ids: the approval, release stage or build is read back from Azure
  DevOps and the card is built from that. The answer is 200 at once; the card goes out in the background
  (proactively, through the stored conversation reference).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from typing import Any

from aiohttp import web

from bot import telemetry
from bot.container import Services
from bot.errors import UserFacingError
from bot.json_body import BodyRejected, parse_json_object
from bot.proactive_delivery import pause_unreachable, proactive_delivery
from bot.services.devops.service_hooks import (
    APPROVAL_PENDING,
    BUILD_COMPLETE,
    DEPLOYMENT_COMPLETED,
    RUN_APPROVAL_PENDING,
)
from bot.store import HookSubscription
from bot.turn import Reply

log = logging.getLogger(__name__)

EVENTS_OF = {"approvals": {APPROVAL_PENDING, RUN_APPROVAL_PENDING}, "deployments": {DEPLOYMENT_COMPLETED},
             "builds": {BUILD_COMPLETE}}


def _credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _refused(request: web.Request, reason: str, subscription: str = "") -> web.Response:
    log.warning("service hook delivery refused", extra={"reason": reason, "subscription": subscription[:64],
                                                        "remote": request.remote or ""})
    return web.json_response({"error": "unauthorized"}, status=401,
                             headers={"WWW-Authenticate": 'Basic realm="College Bot service hooks"'})


async def _authenticated(request: web.Request, services: Services) -> HookSubscription | web.Response:
    found = _credentials(request.headers.get("Authorization", ""))
    if found is None:
        return _refused(request, "no basic credentials")
    user, password = found
    subscription = await services.store.get_hook_subscription(user[:64]) if user else None
    expected = subscription.secret_hash if subscription is not None else "0" * 64
    given = hashlib.sha256(password.encode("utf-8")).hexdigest()
    if not hmac.compare_digest(given, expected) or subscription is None:
        return _refused(request, "unknown subscription" if subscription is None else "wrong secret", user)
    return subscription


def _ids(body: dict[str, Any], subscription: HookSubscription) -> tuple[str, str, dict[str, Any]] | None:
    """(event type, event id, resource) of a known event of this subscription, or None."""
    event_type, event_id, resource = body.get("eventType"), body.get("id"), body.get("resource")
    if event_type not in EVENTS_OF.get(subscription.kind, set()) or not isinstance(resource, dict):
        return None
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        return None
    if str(body.get("subscriptionId") or "") not in subscription.devops_ids:
        return None
    return event_type, event_id, resource


async def receive(request: web.Request, services: Services) -> web.Response:
    """The route's handler (app.py)."""
    checked = await _authenticated(request, services)
    if isinstance(checked, web.Response):
        telemetry.count(telemetry.EVENT_DELIVERIES, result="refused")
        return checked
    subscription = checked
    try:
        body = parse_json_object(await request.read())
    except BodyRejected as rejected:
        log.info("service hook delivery rejected", extra={"reason": rejected.reason})
        telemetry.count(telemetry.EVENT_DELIVERIES, result="rejected")
        return web.json_response({"error": f"not a service hook event: {rejected.reason}"}, status=400)
    known = _ids(body, subscription)
    if known is None:
        log.info("service hook delivery rejected", extra={"reason": "not a known event of this subscription",
                                                          "subscription": subscription.id})
        telemetry.count(telemetry.EVENT_DELIVERIES, result="rejected")
        return web.json_response({"error": "not a known event of this subscription"}, status=400)
    event_type, event_id, resource = known
    if not await services.store.first_sighting(f"devops-event:{subscription.id}:{event_id}", services.clock()):
        log.info("service hook delivery repeated", extra={"subscription": subscription.id, "event": event_id})
        telemetry.count(telemetry.EVENT_DELIVERIES, event_type=event_type, result="duplicate")
        return web.json_response({"received": True, "duplicate": True})
    services.background.start(f"service hook {event_type}", _post(services, subscription, event_type, resource))
    return web.json_response({"received": True})


async def _post(services: Services, subscription: HookSubscription, event_type: str, resource: dict[str, Any]
                ) -> None:
    from bot.event_cards import card_for  # the services (and their SDKs) load on first use

    if subscription.paused:
        log.info("service hook event not posted: the subscription is paused",
                 extra={"event_type": event_type, "subscription": subscription.id})
        telemetry.count(telemetry.EVENT_DELIVERIES, event_type=event_type, result="paused")
        return
    try:
        reply: Reply | None = await card_for(services, subscription, event_type, resource)
        if reply is not None and services.messenger is not None:
            outcome = await proactive_delivery(services).deliver(subscription.conversation_id, reply)
            telemetry.count(telemetry.EVENT_DELIVERIES, event_type=event_type, result=str(outcome.result),
                            status=outcome.status)
            await pause_unreachable(services, subscription.conversation_id, outcome)
    except UserFacingError as failed:
        telemetry.count(telemetry.EVENT_DELIVERIES, event_type=event_type, result="not made")
        log.warning("service hook event not posted", extra={"event_type": event_type, "reason": failed.message[:200],
                                                            "subscription": subscription.id})
