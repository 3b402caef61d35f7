"""subscribe, subscriptions, unsubscribe: Azure DevOps tells a conversation by itself when an approval waits, a
deployment ends or a build ends (service hooks delivered to ``<BOT_PUBLIC_URL>/api/devops/events``, see
bot/devops_events.py).

Each subscription has a secret of its own (random; the bot keeps only its hash), which Azure DevOps sends as the
basic-auth password with the bot's id of the subscription as the user name. ``subscriptions`` reads each one's state
back from Azure DevOps, so one that Azure DevOps disabled after failed deliveries shows as such, with what to do.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from bot.errors import InvalidInput, NotConfigured, NotFound
from bot.policy import Role
from bot.proactive_delivery import resume_reachable
from bot.router import Args, card_action, command
from bot.services.devops import service_hooks
from bot.services.devops.backend import AZURE_DEVOPS
from bot.store import HookSubscription
from bot.turn import Reply, Turn
from cards import verbs
from cards.service_hooks import SubscriptionLine, subscribed_card, subscriptions_card, unsubscribed_card

AREA = "Releases"
EVENTS_PATH = "/api/devops/events"
USAGE = 'subscribe approvals|deployments|builds [definition "<name>"] [stage "<name>"] [failures only]'


def secret_hash(secret: str) -> str:
    """What the store keeps of a delivery secret (a random 256-bit value: a plain SHA-256 is enough)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def describe(subscription: HookSubscription) -> str:
    what = {"approvals": "approvals waiting", "deployments": "deployments that end",
            "builds": "builds that end"}[subscription.kind]
    if subscription.failures_only:
        what = {"deployments": "deployments that fail", "builds": "builds that fail"}.get(subscription.kind, what)
    if subscription.definition:
        what += f" of {subscription.definition}"
    if subscription.stage:
        what += f", stage {subscription.stage}"
    return what


def _parse(args: Args) -> tuple[str, str, str, bool]:
    tokens = list(args.tokens)
    if not tokens or tokens[0].lower() not in service_hooks.KINDS:
        raise InvalidInput("What should this conversation hear about: approvals, deployments or builds?",
                           next_step=f"Type {USAGE}, e.g. subscribe deployments failures only.")
    kind, definition, stage, failures_only = tokens.pop(0).lower(), "", "", False
    while tokens:
        word = tokens.pop(0).lower()
        if word in ("definition", "pipeline", "stage") and tokens:
            value = tokens.pop(0).strip()[:200]
            if word == "stage":
                stage = value
            else:
                definition = value
        elif word in ("failures", "failed") and tokens and tokens[0].lower() == "only":
            tokens.pop(0)
            failures_only = True
        else:
            raise InvalidInput(f"I do not understand '{word[:40]}' here.", next_step=f"Type {USAGE}.")
    return kind, definition, stage, failures_only


@command("subscribe", area=AREA, usage=USAGE, role=Role.ADMIN,
         examples=["subscribe approvals", 'subscribe deployments definition "TinyYOLO to IoT Edge" stage "Prod" '
                   "failures only", "subscribe builds failures only"])
async def handle_subscribe(turn: Turn, args: Args) -> Reply:
    """Makes Azure DevOps post approvals, ended deployments or builds to this conversation by itself (admins)."""
    services = turn.services
    kind, definition, stage, failures_only = _parse(args)
    public = services.settings.bot_public_url
    if not public:
        raise NotConfigured("Azure DevOps does not know where to reach this bot.",
                            next_step="Set BOT_PUBLIC_URL to the bot's public https address, then restart the bot.")
    devops = services.client(AZURE_DEVOPS)
    planned = await service_hooks.plan(devops, kind, definition, stage, failures_only)
    subscription_id, secret = uuid.uuid4().hex, secrets.token_urlsafe(32)
    url = public + EVENTS_PATH
    made = await service_hooks.create(devops, planned, url, subscription_id, secret)
    subscription = HookSubscription(
        id=subscription_id, conversation_id=turn.where.conversation_id, kind=kind, definition=definition,
        stage=stage, failures_only=failures_only, devops_ids=tuple(made), secret_hash=secret_hash(secret),
        created_by=turn.actor.aad_object_id, created_at=services.clock())
    try:
        await services.store.add_hook_subscription(subscription)
    except BaseException:
        await service_hooks.delete(devops, made)  # nothing left behind in Azure DevOps that no one can see
        raise
    number = len(await services.store.list_hook_subscriptions(turn.where.conversation_id))
    return Reply(card=subscribed_card(describe(subscription), number, url))


def _state(statuses: list[service_hooks.DevOpsSubscription]) -> str:
    found = {s.status for s in statuses}
    if "missing" in found:
        return "missing"
    if "disabledBySystem" in found:
        return "disabled"
    if found & {"disabledByUser", "disabledByInactiveIdentity"}:
        return "off"
    if "onProbation" in found:
        return "onProbation"
    return "active"


async def _subscriptions(turn: Turn) -> Reply:
    services = turn.services
    devops = services.client(AZURE_DEVOPS)
    stored = await services.store.list_hook_subscriptions(turn.where.conversation_id)
    if any(s.paused for s in stored):  # paused while the bot could not post here; it evidently can again
        await resume_reachable(services, turn.where.conversation_id)
    lines = []
    for number, subscription in enumerate(stored, start=1):
        statuses = await service_hooks.read(devops, subscription.devops_ids)
        state = _state(statuses)
        lines.append(SubscriptionLine(number, describe(subscription),
                                      "resumed" if subscription.paused and state == "active" else state,
                                      created_on=subscription.created_at))
    return Reply(card=subscriptions_card(lines, now=services.clock()))


@command("subscriptions", area=AREA, usage="subscriptions", examples=["subscriptions"])
async def handle_subscriptions(turn: Turn, args: Args) -> Reply:
    """Lists what Azure DevOps posts to this conversation by itself, and whether each still works."""
    return await _subscriptions(turn)


@card_action(verbs.SUBSCRIPTIONS_LIST)
async def handle_subscriptions_button(turn: Turn, data: dict) -> Reply:
    """Shows this conversation's subscriptions."""
    return await _subscriptions(turn)


@command("unsubscribe", area=AREA, usage="unsubscribe <n>", role=Role.ADMIN, examples=["unsubscribe 1"])
async def handle_unsubscribe(turn: Turn, args: Args) -> Reply:
    """Stops one of this conversation's subscriptions, in Azure DevOps and here (admins; n from subscriptions)."""
    services = turn.services
    raw = args.tokens[0].lstrip("#") if args.tokens else ""
    if not raw.isdigit() or len(raw) > 4:
        raise InvalidInput("Which subscription?", next_step="Type subscriptions to see their numbers, then "
                           "unsubscribe <n>.")
    stored = await services.store.list_hook_subscriptions(turn.where.conversation_id)
    number = int(raw)
    if not 1 <= number <= len(stored):
        raise NotFound(f"This conversation has no subscription {number}.",
                       next_step="Type subscriptions to see their numbers.")
    subscription = stored[number - 1]
    await service_hooks.delete(services.client(AZURE_DEVOPS), subscription.devops_ids)
    await services.store.delete_hook_subscription(subscription.id)
    return Reply(card=unsubscribed_card(describe(subscription)))
