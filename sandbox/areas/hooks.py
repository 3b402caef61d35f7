"""Service hooks (main origin): publishers and their event types, subscriptions of the ``webHooks`` consumer
(create, list, get, replace, delete) and their notifications (delivery history). Delivery itself is
sandbox/hook_delivery.py; which events the world raises is sandbox/state/hooks.py."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from ..clock import iso
from ..http.context import Reply, RequestContext, collection
from ..http.errors import bad_request, not_found
from ..http.routing import AreaRoutes
from ..state import hooks
from .release import _identity
from .views import links

HOST = "main"
routes = AreaRoutes()

PUBLISHERS = "1e83a210-5b53-43bc-90f0-d476a4e5d731"
EVENT_TYPES = "db4777cd-8e08-4a84-8ba3-c974ea033718"
SUBSCRIPTIONS = "fc50d02a-849f-41fb-8af1-0a5216103269"
NOTIFICATIONS = "0c62d343-21b0-4732-997b-017fde84dc28"
STATUSES = {"enabled", "onProbation", "disabledByUser", "disabledBySystem", "disabledByInactiveIdentity"}


def _url(ctx: RequestContext, path: str) -> str:
    return ctx.urls.of("main", f"_apis/hooks/{path}")


def _event_type_view(ctx: RequestContext, publisher: str, event_type: str) -> dict:
    name, version, inputs = hooks.EVENT_TYPES[publisher][event_type]
    return {"id": event_type, "name": name, "publisherId": publisher, "description": name,
            "supportedResourceVersions": [version],
            "inputDescriptors": [{"id": i, "name": i, "inputMode": "textBox"} for i in ("projectId", *inputs)],
            "url": _url(ctx, f"publishers/{publisher}/eventTypes/{event_type}")}


def _publisher_view(ctx: RequestContext, publisher: str) -> dict:
    url = _url(ctx, f"publishers/{publisher}")
    return {"id": publisher, "name": hooks.PUBLISHER_NAMES[publisher], "description": hooks.PUBLISHER_NAMES[publisher],
            "url": url, "_links": links(self=url),
            "supportedEvents": [_event_type_view(ctx, publisher, e) for e in hooks.EVENT_TYPES[publisher]]}


def _publisher(ctx: RequestContext) -> str:
    wanted = (ctx.value("publisherId") or "").lower()
    found = next((p for p in hooks.EVENT_TYPES if p == wanted), None)
    if found is None:
        raise not_found(f"The publisher with ID '{ctx.value('publisherId')}' could not be found.",
                        "PublisherNotFoundException")
    return found


@routes.get(PUBLISHERS)
def list_publishers(ctx: RequestContext):
    if ctx.value("publisherId") is not None:
        return _publisher_view(ctx, _publisher(ctx))
    return collection([_publisher_view(ctx, p) for p in hooks.EVENT_TYPES])


@routes.get(EVENT_TYPES)
def list_event_types(ctx: RequestContext):
    publisher = _publisher(ctx)
    wanted = ctx.value("eventTypeId")
    if wanted is not None:
        if wanted not in hooks.EVENT_TYPES[publisher]:
            raise not_found(f"The event type '{wanted}' could not be found.", "EventTypeNotFoundException")
        return _event_type_view(ctx, publisher, wanted)
    return collection([_event_type_view(ctx, publisher, e) for e in hooks.EVENT_TYPES[publisher]])


# ---- subscriptions -------------------------------------------------------------------------------------------------
def subscription_view(ctx: RequestContext, subscription: dict) -> dict:
    url = _url(ctx, f"subscriptions/{subscription['id']}")
    masked = {k: (hooks.MASK if k in hooks.SECRET_INPUTS and v else v)
              for k, v in subscription["consumerInputs"].items()}
    name = hooks.EVENT_TYPES[subscription["publisherId"]][subscription["eventType"]][0]
    view = {
        "id": subscription["id"], "url": url, "status": subscription["status"],
        "publisherId": subscription["publisherId"], "eventType": subscription["eventType"],
        "resourceVersion": subscription["resourceVersion"], "eventDescription": name,
        "consumerId": hooks.CONSUMER, "consumerActionId": hooks.ACTION,
        "actionDescription": f"To host {urlsplit(subscription['consumerInputs']['url']).hostname}",
        "publisherInputs": dict(subscription["publisherInputs"]), "consumerInputs": masked,
        "createdBy": _identity(ctx, subscription["created_by"]), "createdDate": iso(subscription["created"]),
        "modifiedBy": _identity(ctx, subscription["modified_by"]), "modifiedDate": iso(subscription["modified"]),
        "_links": links(self=url),
    }
    # probationRetries: the service sends a number (a .NET byte), the 7.1 spec says "string (byte)": left out so
    # that answers match the spec (see sandbox/README.md)
    if subscription["last_probation_retry"] is not None:
        view["lastProbationRetryDate"] = iso(subscription["last_probation_retry"])
    return view


def _inputs(raw: object, name: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise bad_request(f"{name} must be an object of input values.")
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def _validated(ctx: RequestContext, body: object) -> dict:
    """The subscription a create or replace body describes (400 with the service's kind of message otherwise)."""
    if not isinstance(body, dict):
        raise bad_request("The subscription is required.", "ArgumentNullException")
    publisher, event_type = str(body.get("publisherId") or ""), str(body.get("eventType") or "")
    if publisher not in hooks.EVENT_TYPES:
        raise bad_request(f"The publisher with ID '{publisher}' could not be found.", "PublisherNotFoundException")
    if event_type not in hooks.EVENT_TYPES[publisher]:
        raise bad_request(f"The event type '{event_type}' is not supported by publisher '{publisher}'.",
                          "EventTypeNotFoundException")
    if body.get("consumerId") != hooks.CONSUMER or body.get("consumerActionId") != hooks.ACTION:
        raise bad_request(f"The consumer '{body.get('consumerId')}' with action '{body.get('consumerActionId')}' is "
                          f"not available here (only {hooks.CONSUMER}/{hooks.ACTION}).", "ConsumerNotFoundException")
    publisher_inputs = _inputs(body.get("publisherInputs"), "publisherInputs")
    consumer_inputs = _inputs(body.get("consumerInputs"), "consumerInputs")
    url = consumer_inputs.get("url", "")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("The input 'url' is required and must be an absolute http or https URL.",
                          "SubscriptionInputException")
    project_id = publisher_inputs.get("projectId")
    if project_id and ctx.world.project(project_id) is None:
        raise bad_request(f"The project '{project_id}' could not be found.", "SubscriptionInputException")
    version = str(body.get("resourceVersion") or hooks.EVENT_TYPES[publisher][event_type][1])
    status = str(body.get("status") or "enabled")
    if status not in STATUSES:
        raise bad_request(f"The status '{status}' is not valid.")
    return {"publisherId": publisher, "eventType": event_type, "resourceVersion": version, "status": status,
            "publisherInputs": publisher_inputs, "consumerInputs": consumer_inputs}


def _subscription(ctx: RequestContext) -> dict:
    wanted = (ctx.value("subscriptionId") or "").lower()
    found = hooks.state_of(ctx.world).subscriptions.get(wanted)
    if found is None:
        raise not_found(f"The subscription with ID '{ctx.value('subscriptionId')}' does not exist.",
                        "SubscriptionNotFoundException")
    return found


@routes.post(SUBSCRIPTIONS)
def create_subscription(ctx: RequestContext):
    fields = _validated(ctx, ctx.body())
    subscription_id = str(uuid.uuid4())
    fields["publisherInputs"]["tfsSubscriptionId"] = str(uuid.uuid4())
    subscription = {**fields, "id": subscription_id, "created_by": ctx.pat_owner, "created": ctx.now,
                    "modified_by": ctx.pat_owner, "modified": ctx.now, "probation_retries": 0,
                    "last_probation_retry": None}
    hooks.state_of(ctx.world).subscriptions[subscription_id] = subscription
    return subscription_view(ctx, subscription)


@routes.get(SUBSCRIPTIONS)
def list_subscriptions(ctx: RequestContext):
    if ctx.value("subscriptionId") is not None:
        return subscription_view(ctx, _subscription(ctx))
    wanted = {key: ctx.arg(key) for key in ("publisherId", "eventType", "consumerId", "consumerActionId")}
    found = [s for s in sorted(hooks.state_of(ctx.world).subscriptions.values(), key=lambda s: s["created"])
             if all(not value or str(s.get(key, {"consumerId": hooks.CONSUMER,
                                                  "consumerActionId": hooks.ACTION}.get(key))) == value
                    for key, value in wanted.items())]
    return collection([subscription_view(ctx, s) for s in found])


@routes.put(SUBSCRIPTIONS)
def replace_subscription(ctx: RequestContext):
    subscription = _subscription(ctx)
    fields = _validated(ctx, ctx.body())
    secret = subscription["consumerInputs"].get("basicAuthPassword")
    if fields["consumerInputs"].get("basicAuthPassword") == hooks.MASK and secret:  # the masked value: kept
        fields["consumerInputs"]["basicAuthPassword"] = secret
    fields["publisherInputs"]["tfsSubscriptionId"] = subscription["publisherInputs"].get("tfsSubscriptionId", "")
    if fields["status"] == "enabled":
        subscription.update(probation_retries=0, last_probation_retry=None)
    subscription.update(fields, modified_by=ctx.pat_owner, modified=ctx.now)
    return subscription_view(ctx, subscription)


@routes.delete(SUBSCRIPTIONS)
def delete_subscription(ctx: RequestContext):
    subscription = _subscription(ctx)
    state = hooks.state_of(ctx.world)
    del state.subscriptions[subscription["id"]]
    for notification in state.notifications.values():
        if notification["subscription_id"] == subscription["id"] and notification["status"] != "completed":
            notification.update(status="completed", result="filtered", next_at=None)
    return Reply(None, 204)


# ---- notifications (delivery history) -------------------------------------------------------------------------------
def notification_view(notification: dict) -> dict:
    details = {"publisherId": notification["publisher_id"], "eventType": notification["event_type"],
               "consumerId": hooks.CONSUMER, "consumerActionId": hooks.ACTION,
               "requestAttempts": notification["attempts"], "queuedDate": iso(notification["created"])}
    for key in ("request", "response", "errorMessage"):
        if notification.get(key):
            details[key] = notification[key]
    if notification["status"] == "completed":
        details["completedDate"] = iso(notification["modified"])
    return {"id": notification["id"], "subscriptionId": notification["subscription_id"],
            "eventId": notification["event_id"], "status": notification["status"], "result": notification["result"],
            "createdDate": iso(notification["created"]), "modifiedDate": iso(notification["modified"]),
            "details": details}


@routes.get(NOTIFICATIONS)
def get_notifications(ctx: RequestContext):
    subscription = _subscription(ctx)
    mine = [n for n in hooks.state_of(ctx.world).notifications.values() if n["subscription_id"] == subscription["id"]]
    wanted = ctx.value("notificationId")
    if wanted is not None:
        found = next((n for n in mine if str(n["id"]) == wanted), None)
        if found is None:
            raise not_found(f"The notification with ID '{wanted}' does not exist.", "NotificationNotFoundException")
        return notification_view(found)
    status, result = ctx.arg("status"), ctx.arg("result")
    found = [n for n in sorted(mine, key=lambda n: -n["id"])
             if (not status or n["status"] == status) and (not result or n["result"] == result)]
    top = ctx.int_arg("maxResults")
    return collection([notification_view(n) for n in found[:top or None]])
