"""Bodies that are not a well-typed activity get a 4xx with the reason, before anything is parsed deeper or sent.

Each case is one class the hostile-bodies run found answering 500 (deep nesting, numbers Python refuses,
lone surrogates, wrong-typed or missing fields, an unknown charset); the property test covers the rest.
"""

from __future__ import annotations

import json

import pytest

from tests.harness.cards import card_texts

JSON = {"Content-Type": "application/json"}


async def post_raw(teams, data: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    response = await teams.http.post("/api/messages", data=data, headers=JSON if headers is None else headers)
    return response.status, (await response.json() if response.content_type == "application/json" else {})


def body_with(teams, placeholder_value: str, **fields) -> bytes:
    """A Teams message whose "text" is replaced by raw JSON text (what json.dumps cannot write)."""
    activity = teams.activity("message", text="__RAW__", **fields)
    return json.dumps(activity).replace('"__RAW__"', placeholder_value).encode()


@pytest.mark.parametrize(("raw", "reason"), [
    ("[" * 100_000 + "]" * 100_000, "nests deeper than 64"),
    ('{"a":' * 5_000 + "1" + "}" * 5_000, "nests deeper than 64"),
    ("1" * 5_000, "not JSON"),
    ("NaN", "NaN is not a JSON number"),
    ("-Infinity", "-Infinity is not a JSON number"),
    ('"\\ud800 help"', "not valid Unicode"),
    ('"help \\udfff"', "not valid Unicode"),
])
async def test_hostile_json_gets_400_with_the_reason(teams, raw, reason):
    status, body = await post_raw(teams, body_with(teams, raw))
    assert status == 400 and reason in body["error"]
    assert teams.connector.sent == []


async def test_bytes_and_field_names_are_checked(teams):
    good = json.dumps(teams.activity("message", text="help")).encode()
    assert (await post_raw(teams, good.replace(b"help", b"he\xffp")))[1]["error"] == "the body is not UTF-8"
    assert (await post_raw(teams, good.replace(b"help", b"\xed\xa0\x80")))[1]["error"] == "the body is not UTF-8"
    twice = good[:-1] + b', "serviceUrl": "http://127.0.0.1:9"}'
    assert "appears twice" in (await post_raw(teams, twice))[1]["error"]
    assert (await post_raw(teams, good, {"Content-Type": "application/json; charset=utf-16"}))[0] == 415
    assert (await post_raw(teams, good, {"Content-Type": "application/json; charset=no-such"}))[0] == 415
    assert teams.connector.sent == []


async def test_what_teams_really_sends_still_gets_through(teams):
    activity = teams.activity("message", text="whoami 🧪", extra_entities=[
        {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web", "timezone": "Europe/Berlin"}])
    activity["conversation"]["isGroup"] = False
    activity["channelData"]["onBehalfOf"] = [{"itemId": 0, "mentionType": "person", "mri": "29:x", "displayName": "X"}]
    activity["futureField"] = {"deep": [[[{"x": 1}]]]}  # unknown fields are accepted (spec A2005)
    body = b"\xef\xbb\xbf" + json.dumps(activity).encode()  # a UTF-8 byte order mark is skipped
    status, _ = await post_raw(teams, body, {"Content-Type": "application/json; charset=utf-8"})
    assert status == 201
    assert "Alice Admin" in " ".join(card_texts(teams.connector.sent[-1].card))


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("text", 5, "text must be a string"),
    ("text", ["help"], "text must be a string"),
    ("conversation", {"id": 5}, "conversation.id must be a string"),
    ("conversation", {"conversationType": "personal"}, "an activity needs conversation.id"),
    ("conversation", {"id": ""}, "an activity needs conversation.id"),
    ("from", None, "an activity needs from.id"),
    ("from", "alice", "from must be an object"),
    ("recipient", {"name": "x"}, "an activity needs recipient.id"),
    ("channelId", None, "an activity needs channelId"),
    ("type", 7, "type must be a string"),
    ("id", "x" * 2000, "id longer than 1024"),
    ("entities", [{"type": "mention", "mentioned": {"id": 1}}], "entities[0].mentioned.id must be a string"),
    ("entities", "mention", "entities must be a list"),
    ("entities", [None], "entities[0] must not be null"),
    ("membersAdded", [{"id": "29:x"}, None], "membersAdded[1] must not be null"),
    ("channelData", [], "channelData must be an object"),
    ("channelData", {"tenant": "b3288a75"}, "channelData.tenant must be an object"),
    ("membersAdded", [{"id": 3}], "membersAdded[0].id must be a string"),
    ("timestamp", 1764150000, "timestamp must be a string"),
    ("timestamp", "yesterday", "not an activity"),
    ("serviceUrl", "ftp://127.0.0.1/", "serviceUrl must be an http(s) URL"),
    ("serviceUrl", "http://[::1", "serviceUrl must be an http(s) URL"),
    ("locale", {"en": True}, "locale must be a string"),
    ("conversation", {"id": "a:\U0003fba3"}, "conversation.id must be printable ASCII"),
    ("conversation", {"id": "a:x\r\nX-Injected: 1"}, "conversation.id must be printable ASCII"),
])
async def test_wrong_typed_or_missing_fields_get_400(teams, field, value, reason):
    activity = teams.activity("message", text="help", at="channel")
    activity[field] = value
    status, body = await post_raw(teams, json.dumps(activity).encode())
    assert status == 400 and reason in body["error"], body
    assert teams.connector.sent == []


async def test_conversation_tenant_id_is_typed_too(teams):
    """botbuilder's schema reads ``tenantID``; Teams sends ``tenantId``: checked by name here."""
    activity = teams.activity("message", text="help")
    activity["conversation"]["tenantId"] = 5
    status, body = await post_raw(teams, json.dumps(activity).encode())
    assert status == 400 and body["error"] == "conversation.tenantId must be a string"


async def test_overlong_commands_and_button_data_are_refused_before_matching(teams):
    """Matching an unknown command costs time in proportion to its length: 200 KB took a second of CPU."""
    card = await teams.ask("help " + "x" * 200_000)
    assert "too long" in " ".join(card_texts(card))
    status, card = await teams.click("help.command", {"command": "x" * 100_000})
    assert status == 200 and "too long" in " ".join(card_texts(card))
    submit = await teams.say("", value={"verb": "help.command", "command": "x" * 100_000})
    assert "too long" in " ".join(card_texts(submit[0].card))
