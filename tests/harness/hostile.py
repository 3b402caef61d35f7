"""Hostile bodies for /api/messages: Teams-shaped activities and card actions, mutated (hypothesis strategies).

A case starts from a shape Teams sends (BASES: messages, Action.Submit and Action.Execute card actions, every
invoke name, installs, membership, reactions, edits, events, typing, unknown types) and applies up to three
mutations. Each mutation has a kind the report counts:

    missing, null, wrong-type, huge, nested, unicode, number     a field, anywhere in the activity
    duplicate-key, bad-bytes, truncated, not-json, content-type  the body as bytes
    invoke-name                                                  any invoke name, known or not, any value
    connector:<behaviour>                                        the reply target misbehaves: not-json, hang,
                                                                 5xx, 5xx-html, 4xx, refuse

`HostileRun` posts cases to the real app over HTTP and tallies status codes by mutation kind.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientTimeout
from hypothesis import strategies as st

from bot.invoke_answers import ANSWERS
from cards import verbs
from tests.harness.cards import elements
from tests.harness.connector import closed_port_url
from tests.harness.invokes import INVOKE_VALUES
from tests.harness.teams import BOT_ID, BOT_NAME, TeamsClient

SERVICE_URL = "__SERVICE_URL__"
FIELD_KINDS = ("missing", "null", "wrong-type", "huge", "nested", "unicode", "number")
BODY_KINDS = ("duplicate-key", "bad-bytes", "truncated", "not-json", "content-type")
CONNECTOR_BEHAVIOURS = ("not-json", "hang", "5xx", "5xx-html", "4xx", "refuse")
HELD_OPEN_S = 60.0  # a request still open after this long counts as held open by the bot (a failure)

COMMANDS = ("help", "whoami", "audit 3", "help audit", "cancel", "repos", "team", "doctor", "connections",
            "hepl", "", "repo create x", 'onboard "a b" as basic', "help \"no such\"", "@College Bot help")
NASTY_TEXT = ("\ud800", "\udfff", "a\ud83dz", "\x00", "\u202e\u2066evil", "\ufeff", "𝕏𝕐", "e\u0301" * 50,
              "<at>College Bot</at>", "&nbsp;&amp;&#x0;", "\r\n\t", "‘smart’ “quotes”", "🧪" * 20, "\uffff",
              "<script>alert(1)</script>", "../../etc/passwd", "%00%2e%2e", "ᚠᛇᚻ", "ㅤ")
WRONG_TYPED = (0, -1, 2**63, 1.5, True, False, "", "x", [], [1, "a"], {}, {"a": {"b": None}})
RAW_NUMBERS = ("NaN", "Infinity", "-Infinity", "1e999", "-0", "1" * 5000, "123456789012345678901234567890",
               "0.1e-99999", "1.7976931348623157e309")
BAD_BYTES = (b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xc3", b"\xf4\x90\x80\x80")
CONTENT_TYPES = (None, "text/plain", "application/json; charset=latin-1", "application/json; charset=utf-16",
                 "application/x-www-form-urlencoded", "application/json; charset=UTF-8", "APPLICATION/JSON",
                 "application/json;;;", "multipart/form-data; boundary=x")
NOT_JSON = (b"", b"null", b"[]", b'"x"', b"{", b"<xml/>", b"\x00" * 8, b"{}" * 3, b"\xef\xbb\xbf{}")
# the data each card verb's buttons carry (cards/*.py); harvested cards add their real ones
CARD_DATA: dict[str, tuple[dict[str, Any], ...]] = {
    verbs.CONFIRM: ({"token": "t0k3n"},), verbs.CANCEL: ({"token": "t0k3n"},),
    verbs.HELP_COMMAND: ({"command": ""}, {"command": "whoami"}), verbs.REPOS_MORE: ({"page": 1},),
    verbs.TEAM_MORE: ({"team": "College Team", "page": 1},), verbs.CONNECTIONS_TEST: ({},), verbs.DOCTOR_RUN: ({},),
}


@dataclass
class HostileCase:
    base: str
    activity: Any
    kinds: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)  # placeholder string -> raw JSON text put in its place
    byte_ops: list[tuple[str, float, bytes]] = field(default_factory=list)  # ("insert"|"truncate"|"replace", at, b)
    ensure_ascii: bool = True
    content_type: str | None = "application/json"
    connector: str = "ok"

    @property
    def kind(self) -> str:
        return "+".join(sorted(set(self.kinds))) or "valid"

    @property
    def invoke_name(self) -> str | None:
        return self.activity.get("name") if isinstance(self.activity, dict) else None

    def render(self, service_url: str) -> bytes:
        text = json.dumps(self.activity, ensure_ascii=self.ensure_ascii).replace(
            json.dumps(SERVICE_URL), json.dumps(service_url))
        for placeholder, raw in self.raw.items():
            text = text.replace(f"{json.dumps(placeholder)}: 0", raw).replace(json.dumps(placeholder), raw)
        body = text.encode("utf-8", "surrogatepass")
        for op, at, data in self.byte_ops:
            cut = int(len(body) * at)
            body = {"insert": body[:cut] + data + body[cut:], "truncate": body[:cut], "replace": data}[op]
        return body

    def describe(self) -> str:
        return f"{self.kind} on {self.base} (connector {self.connector}): {self.render('http://x')[:300]!r}"


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _set(root: Any, path: tuple, value: Any, delete: bool = False) -> None:
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


@st.composite
def teams_activities(draw: Callable, card_actions: list[tuple[str, dict]]) -> tuple[str, dict[str, Any]]:
    """One activity as Teams sends it (and the name of its shape)."""
    teams = TeamsClient(None, None, SERVICE_URL)
    who = draw(st.sampled_from(("alice", "bob", "carol")))
    at = draw(st.sampled_from(("personal", "channel", "group")))
    activity_id = draw(st.one_of(st.uuids().map(str), st.sampled_from(("dup-1", "dup-2"))))
    base = draw(st.sampled_from(("message", "message", "message", "card-action", "card-action", "card-submit",
                                 "invoke", "conversation-update", "installation-update", "reaction",
                                 "message-update", "event", "typing", "unknown-type")))
    kw: dict[str, Any] = {"who": who, "at": at, "activity_id": activity_id}
    if base == "message":
        text = draw(st.one_of(st.sampled_from(COMMANDS), st.text(max_size=60)))
        activity = teams.activity("message", text=text, **kw)
    elif base in ("card-action", "card-submit"):
        verb, data = draw(st.sampled_from(card_actions))
        if base == "card-action":
            value = {"action": {"type": "Action.Execute", "verb": verb, "data": dict(data)}, "trigger": "manual"}
            activity = teams.activity("invoke", name="adaptiveCard/action", value=value, reply_to_id="bot-1", **kw)
        else:
            activity = teams.activity("message", value={"verb": verb, **data}, reply_to_id="bot-1", **kw)
    elif base == "invoke":
        name = draw(st.sampled_from(sorted(ANSWERS)))
        value = INVOKE_VALUES.get(name, draw(json_values))
        activity = teams.activity("invoke", name=name, value=copy.deepcopy(value), **kw)
    elif base == "conversation-update":
        member = draw(st.sampled_from(({"id": BOT_ID, "name": BOT_NAME}, {"id": "29:someone", "name": "Someone"})))
        side = draw(st.sampled_from(("membersAdded", "membersRemoved")))
        activity = teams.activity("conversationUpdate", **kw, **{side: [member]})
    elif base == "installation-update":
        activity = teams.activity("installationUpdate", action=draw(st.sampled_from(("add", "remove", "add-upgrade"))),
                                  **kw)
    elif base == "reaction":
        activity = teams.activity("messageReaction", reactionsAdded=[{"type": "like"}], reply_to_id="bot-1", **kw)
    elif base == "message-update":
        activity = teams.activity(draw(st.sampled_from(("messageUpdate", "messageDelete"))), text="edited", **kw)
        activity["channelData"]["eventType"] = draw(st.sampled_from(("editMessage", "softDeleteMessage")))
    elif base == "event":
        activity = teams.activity("event", name=draw(st.sampled_from(("application/vnd.microsoft.meetingStart",
                                                                      "tokens/response", "x"))), value={}, **kw)
    elif base == "typing":
        activity = teams.activity("typing", **kw)
    else:
        activity = teams.activity(draw(st.text(min_size=1, max_size=20)), **kw)
    return base, activity


def _mutate_field(draw: Callable, case: HostileCase, kind: str) -> None:
    paths = _paths(case.activity)
    if not paths:
        return
    path = draw(st.sampled_from(paths))
    placeholder = f"__RAW_{len(case.raw)}__"
    if kind == "missing":
        _set(case.activity, path, None, delete=True)
    elif kind == "null":
        _set(case.activity, path, None)
    elif kind == "wrong-type":
        _set(case.activity, path, copy.deepcopy(draw(st.sampled_from(WRONG_TYPED))))
    elif kind == "huge":
        size = draw(st.sampled_from((1_000, 30_000, 200_000, 400_000)))
        shape = draw(st.sampled_from(("ascii", "unicode", "list", "object")))
        huge: Any = {"ascii": "x" * size, "unicode": "é🧪" * (size // 6), "list": [0] * (size // 2),
                     "object": {f"k{i}": i for i in range(size // 12)}}[shape]
        _set(case.activity, path, huge)
    elif kind == "unicode":
        _set(case.activity, path, draw(st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40))))
        case.ensure_ascii = draw(st.booleans())
    elif kind == "nested":
        depth = draw(st.sampled_from((2, 10, 63, 64, 65, 100, 1_000, 100_000)))
        opener, closer = draw(st.sampled_from((("[", "]"), ('{"a":', "}"))))
        case.raw[placeholder] = opener * depth + ("1" if opener != "[" else "") + closer * depth
        _set(case.activity, path, placeholder)
    elif kind == "number":
        case.raw[placeholder] = draw(st.sampled_from(RAW_NUMBERS))
        _set(case.activity, path, placeholder)


def _mutate_body(draw: Callable, case: HostileCase, kind: str) -> None:
    if kind == "duplicate-key":
        objects = [p for p in _paths(case.activity) if isinstance(_get(case.activity, p), dict)] + [()]
        path = draw(st.sampled_from(objects))
        target = _get(case.activity, path)
        if target:
            placeholder = f"__RAW_{len(case.raw)}__"
            key = draw(st.sampled_from(sorted(target)))
            case.raw[placeholder] = f"{json.dumps(key)}: {json.dumps(draw(json_values))}"
            target[placeholder] = 0
    elif kind == "bad-bytes":
        case.byte_ops.append(("insert", draw(st.floats(0, 1)), draw(st.sampled_from(BAD_BYTES))))
    elif kind == "truncated":
        case.byte_ops.append(("truncate", draw(st.floats(0, 0.999)), b""))
    elif kind == "not-json":
        case.byte_ops.append(("replace", 0.0, draw(st.one_of(st.sampled_from(NOT_JSON), st.binary(max_size=64)))))
    elif kind == "content-type":
        case.content_type = draw(st.sampled_from(CONTENT_TYPES))


def _get(root: Any, path: tuple) -> Any:
    for step in path:
        root = root[step]
    return root


@st.composite
def hostile_cases(draw: Callable, card_actions: list[tuple[str, dict]]) -> HostileCase:
    """A Teams activity or card action with up to three mutations and a reply target that may misbehave."""
    base, activity = draw(teams_activities(card_actions))
    delivery_mode = draw(st.sampled_from((None,) * 9 + ("expectReplies",)))
    if delivery_mode:  # the Bot Framework's "answer in the HTTP response" mode, which Teams does not use
        activity["deliveryMode"] = delivery_mode
    case = HostileCase(base=base, activity=activity)
    for _ in range(draw(st.sampled_from((0, 1, 1, 1, 2, 3)))):
        kind = draw(st.sampled_from((*FIELD_KINDS, *FIELD_KINDS, *BODY_KINDS, "invoke-name")))
        case.kinds.append(kind)
        if kind in FIELD_KINDS:
            _mutate_field(draw, case, kind)
        elif kind == "invoke-name":
            case.activity["type"] = "invoke"
            case.activity["name"] = draw(st.one_of(st.sampled_from(sorted(ANSWERS)), st.text(max_size=30)))
            case.activity["value"] = draw(json_values)
        else:
            _mutate_body(draw, case, kind)
    case.connector = draw(st.sampled_from(("ok",) * 12 + CONNECTOR_BEHAVIOURS))
    if case.connector != "ok":
        case.kinds.append(f"connector:{case.connector}")
    return case


async def card_actions_from_the_bot(teams: TeamsClient) -> list[tuple[str, dict[str, Any]]]:
    """Every (verb, data) the bot's own cards carry, plus CARD_DATA for cards that need Azure DevOps."""
    found = {(verb, json.dumps(data, sort_keys=True)) for verb, datas in CARD_DATA.items() for data in datas}
    for text in ("help", "help whoami", "whoami"):
        for sent in await teams.say(text):
            for card in sent.cards:
                found |= {(node["verb"], json.dumps(node.get("data") or {}, sort_keys=True))
                          for node in elements(card) if node.get("type") == "Action.Execute"}
    return [(verb, json.loads(data)) for verb, data in sorted(found)]


class _Unexpected(logging.Handler):
    """Counts the turns that ended in the bot's catch-all ("unexpected error in turn")."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "unexpected error in turn":
            self.count += 1


@dataclass
class Outcome:
    status: int
    body: bytes
    unexpected_errors: int


class HostileRun:
    """Posts hostile cases to the running bot and tallies what came back, by status and by mutation kind."""

    def __init__(self, teams: TeamsClient, card_actions: list[tuple[str, dict[str, Any]]]) -> None:
        self.teams = teams
        self.card_actions = card_actions
        self.dead_url = closed_port_url()
        self.by_status: Counter[int] = Counter()
        self.by_kind: defaultdict[str, Counter[int]] = defaultdict(Counter)
        self.by_base: defaultdict[str, Counter[int]] = defaultdict(Counter)
        self.unexpected: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.started = time.perf_counter()
        self._handler = _Unexpected()
        logging.getLogger("bot").addHandler(self._handler)

    def close(self) -> None:
        logging.getLogger("bot").removeHandler(self._handler)

    async def send(self, case: HostileCase) -> Outcome:
        connector = self.teams.connector
        service_url = self.dead_url if case.connector == "refuse" else self.teams.service_url
        connector.behaviour = case.connector if case.connector != "refuse" else "ok"
        headers = {"Content-Type": case.content_type} if case.content_type else {}
        if isinstance(case.activity, dict) and isinstance(case.activity.get("id"), str) \
                and not case.activity["id"].startswith("dup-"):
            case.activity["id"] += f"-{sum(self.by_status.values())}"  # a replayed example is not a retry
        before = self._handler.count
        started = time.perf_counter()
        try:
            response = await self.teams.http.post("/api/messages", data=case.render(service_url), headers=headers,
                                                  timeout=ClientTimeout(total=HELD_OPEN_S))
            body = await response.read()
        finally:
            connector.behaviour = "ok"
        outcome = Outcome(response.status, body, self._handler.count - before)
        for kind in case.kind.split("+"):
            self.by_kind[kind][outcome.status] += 1
            self.seconds[kind] += time.perf_counter() - started
        self.by_base[case.base][outcome.status] += 1
        self.by_status[outcome.status] += 1
        if outcome.unexpected_errors:
            self.unexpected[case.kind] += outcome.unexpected_errors
        return outcome

    def report(self) -> str:
        total = sum(self.by_status.values())
        lines = [f"hostile bodies: {total} examples in {time.perf_counter() - self.started:.1f} s",
                 "by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.by_status.items())),
                 "by mutation kind (an example with several kinds counts under each):"]
        for kind, statuses in sorted(self.by_kind.items()):
            lines.append(f"  {kind:22} {sum(statuses.values()):6}  {self.seconds[kind]:6.1f} s  "
                         + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
        lines.append("by Teams shape:")
        for base, statuses in sorted(self.by_base.items()):
            lines.append(f"  {base:22} {sum(statuses.values()):6}  "
                         + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
        lines.append(f"turns ending in the catch-all: {sum(self.unexpected.values())} {dict(self.unexpected)}")
        return "\n".join(lines)
