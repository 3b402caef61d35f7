"""Checks a parsed activity against the Bot Framework schema before botbuilder or the bot reads any field.

The Activity spec says receivers SHOULD reject field values whose types do not match (A2003) and that
activities MUST carry type (A2010), channelId (A2020), from.id (A2060), recipient.id (A2070) and
conversation.id (A2080); serviceUrl is where replies go (botframework-activity.md). The field types are
botbuilder's own: the msrest ``_attribute_map`` of ``Activity`` and every model it names, ``Mention`` for
mention entities and ``TeamsChannelData`` for ``channelData``. msrest itself lets a number through where a
string belongs (``"text": 5`` became a crash deep in the turn), so the check is done here, once, for all
fields. Unknown fields are accepted (A2005); identifiers longer than ``MAX_ID_CHARS`` are not (they key
stores, maps and URLs), nor a conversation id that cannot be an HTTP header value.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from botbuilder import schema
from botbuilder.schema import teams as teams_schema

MAX_ID_CHARS = 1024
"""Longest identifier accepted. Teams conversation ids run to about 200 characters."""
HEADER_SAFE = re.compile(r"[\x20-\x7e]+")
"""conversation.id goes into the connector's ``x-ms-conversation-id`` header: printable ASCII only (Teams ids are)."""

REQUIRED = ("type", "channelId", "serviceUrl", "conversation.id", "from.id", "recipient.id")
IDENTIFIERS = (*REQUIRED, "id", "replyToId", "name", "locale", "conversation.tenantId", "from.aadObjectId",
               "channelData.tenant.id", "channelData.team.id", "channelData.channel.id")

_MODELS: dict[str, type] = {
    name: cls for module in (schema, teams_schema) for name, cls in vars(module).items()
    if isinstance(cls, type) and isinstance(getattr(cls, "_attribute_map", None), dict)
}
_ENTITY_MODELS = {"mention": "Mention"}
_UNMODELLED = {"conversation.tenantId": "str"}
"""Fields Teams sends that botbuilder's schema misses (its ConversationAccount reads ``tenantID``)."""
_PRIMITIVES: dict[str, tuple[type, ...]] = {"str": (str,), "iso-8601": (str,), "bool": (bool,), "int": (int,),
                                            "long": (int,), "float": (int, float)}
_JSON_NAMES = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}


def _type_problem(value: Any, type_name: str, path: str) -> str | None:
    """Why ``value`` is not of the msrest type ``type_name`` (None when it is, or when null)."""
    if value is None or type_name == "object" or not isinstance(type_name, str):  # msrest has a few class-typed
        return None
    if type_name.startswith("[") and type_name.endswith("]"):
        if not isinstance(value, list):
            return f"{path} must be a list"
        if None in value:  # a field may be null (absent), a list element may not
            return f"{path}[{value.index(None)}] must not be null"
        return next((p for i, item in enumerate(value)
                     if (p := _type_problem(item, type_name[1:-1], f"{path}[{i}]"))), None)
    if type_name.startswith("{") and type_name.endswith("}"):
        if not isinstance(value, dict):
            return f"{path} must be an object"
        return next((p for key, item in value.items()
                     if (p := _type_problem(item, type_name[1:-1], f"{path}.{key}"))), None)
    if type_name in _PRIMITIVES:
        wanted = _PRIMITIVES[type_name]
        if (isinstance(value, bool) and bool not in wanted) or not isinstance(value, wanted):
            return f"{path} must be {_JSON_NAMES[wanted[-1]]}"
        return None
    model = _MODELS.get(type_name)
    if model is None:
        return None
    if not isinstance(value, dict):
        return f"{path} must be an object"
    if type_name == "Entity" and isinstance(value.get("type"), str) and value["type"] in _ENTITY_MODELS:
        model = _MODELS[_ENTITY_MODELS[value["type"]]]
    return next((p for attr in model._attribute_map.values()
                 if (p := _type_problem(value.get(attr["key"]), attr["type"], f"{path}.{attr['key']}".lstrip(".")))),
                None)


def _field(body: dict[str, Any], dotted: str) -> Any:
    value: Any = body
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def shape_problem(body: dict[str, Any]) -> str | None:
    """The first way the activity breaks the schema, in a few words; None when it fits."""
    problem = _type_problem(body, "Activity", "")
    if problem:
        return problem
    channel_data = body.get("channelData")
    if channel_data is not None and not isinstance(channel_data, dict):
        return "channelData must be an object"
    problem = _type_problem(channel_data, "TeamsChannelData", "channelData") or next(
        (p for name, type_name in _UNMODELLED.items() if (p := _type_problem(_field(body, name), type_name, name))),
        None)
    if problem:
        return problem
    missing = [name for name in REQUIRED if not _field(body, name)]
    if missing:
        return "an activity needs " + ", ".join(missing)
    too_long = [name for name in IDENTIFIERS if len(str(_field(body, name) or "")) > MAX_ID_CHARS]
    if too_long:
        return f"{', '.join(too_long)} longer than {MAX_ID_CHARS} characters"
    if not HEADER_SAFE.fullmatch(body["conversation"]["id"]):
        return "conversation.id must be printable ASCII"
    try:
        url = urlsplit(body["serviceUrl"])
        usable = url.scheme in ("http", "https") and bool(url.hostname)
    except ValueError:
        usable = False
    return None if usable else "serviceUrl must be an http(s) URL"
