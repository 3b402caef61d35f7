"""Drive the Microsoft 365 Agents Playground (a Teams client emulator) in headless Chromium.

`Teams` wraps one browser page signed in as one person of the College Team. It waits on what the
Playground's own web socket delivers (each message the bot creates or updates) and checks what the page
renders. See tests/e2e/conftest.py for the fixtures that build it.
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Locator, Page, WebSocket

from tests.harness.cards import card_problems

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-default-browser-check",
]
ALLOWED_URL_PREFIXES = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")

# Selectors seen to work with Playground 0.2.28.
COMPOSE_BOX = 'div[role="textbox"][data-lexical-editor="true"]'
SEND_BUTTON = 'button[aria-label="Send Message"]'
CHAT_MESSAGE = 'div:has(> div[aria-label="Message header"])'  # personal and group chat (not the Log Panel)
CHANNEL_THREAD = 'div.fui-Card[role="group"]'
CARD = ".ac-adaptiveCard"

DEFAULT_TIMEOUT = 15.0


def block_non_loopback(context: BrowserContext) -> None:
    """Abort every request that is not to 127.0.0.1, data: or blob: (the UI asks a CDN for fonts)."""
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(ALLOWED_URL_PREFIXES) else route.abort(),
    )


@dataclass(frozen=True)
class At:
    """Someone to @mention through the compose box's @ menu, by display name (see `Teams.compose_and_send`)."""

    name: str


@dataclass
class Playground:
    """One running Playground: the people and conversations of its config, and where it listens."""

    person: str
    port: int
    config: dict[str, Any]
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_id(self) -> str:
        return self.config["bot"]["id"]

    @property
    def bot_name(self) -> str:
        return self.config["bot"]["name"]

    def user(self, person_key_or_name: str) -> dict[str, str]:
        """A configured user (currentUser or one of `users`) by person key ("bob"), name or Teams id."""
        for user in [self.config["currentUser"], *self.config["users"]]:
            key = user["userPrincipleName"].split("@")[0]
            if person_key_or_name in (key, user["name"], user["id"]):
                return user
        raise KeyError(f"{person_key_or_name!r} is not in the Playground config of {self.person}")

    def conversation_id(self, where: str) -> str:
        """ "personal", "group", "team" (the General channel) or a channel name."""
        if where == "personal":
            return self.config["personalChat"]["id"]
        if where == "group":
            return self.config["groupChat"]["id"]
        if where in ("team", "General"):
            return self.config["team"]["id"]
        for channel in self.config["team"]["channels"]:
            if channel["name"] == where:
                return channel["id"]
        raise KeyError(f"no conversation {where!r}")

    def post(self, path: str, body: dict[str, Any], timeout: float = DEFAULT_TIMEOUT) -> Any:
        """POST JSON to the Playground and return the decoded answer (None when empty)."""
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=timeout) as response:
            raw = response.read()
        return json.loads(raw) if raw.strip() else None

    def invoke_as(
        self,
        person: str,
        verb: str,
        data: dict[str, Any] | None = None,
        *,
        reply_to_id: str,
        conversation: str = "team",
    ) -> Any:
        """Click a card's Action.Execute as another configured person, without the UI.

        POST /_conversation/v1/invoke reaches the bot as an `adaptiveCard/action` invoke from that person;
        returns the bot's invoke response. `conversation`: "group", "team" or a channel name (the personal
        chat only knows currentUser). `reply_to_id`: the card's message id (`Message.id`).
        """
        body = {
            "name": "adaptiveCard/action",
            "from": {"id": self.user(person)["id"]},
            "conversation": {"id": self.conversation_id(conversation)},
            "replyToId": reply_to_id,
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data or {}}},
        }
        return self.post("/_conversation/v1/invoke", body)


@dataclass
class Message:
    """A message the bot created, as the Playground's web socket delivered it to the page.

    `raw` is the Playground's view (messageId, from, text, attachments); `activity` is what the bot sent.
    An Action.Execute answer or an `update_activity` replaces `raw` in place.
    """

    conversation_id: str
    raw: dict[str, Any]
    activity: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.raw.get("messageId", ""))

    @property
    def from_id(self) -> str:
        return (self.raw.get("from") or {}).get("id", "")

    @property
    def text(self) -> str:
        return self.raw.get("text") or ""

    @property
    def reply_to_id(self) -> str:
        return self.activity.get("replyToId") or ""

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.raw.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class Call:
    """An activity the Playground sent to the bot, logged once the bot answered it."""

    name: str  # message, invoke, conversationUpdate, installationUpdate, ...
    conversation_id: str
    activity: dict[str, Any]
    response: dict[str, Any]

    @property
    def id(self) -> str:
        return self.activity.get("id", "")


@dataclass
class Teams:
    """One page of the Playground, signed in as `playground.person`.

    It listens to the page's two web sockets: the conversation stream (every message the bot creates or
    updates, `messages`) and the Log Panel's stream (every activity sent to the bot once it has answered,
    `calls`, and what the bot sent, matched to the messages). Replies are found by their replyToId, so a
    late welcome card is never mistaken for an answer.
    """

    page: Page
    playground: Playground
    artifacts: Path
    timeout: float = DEFAULT_TIMEOUT
    messages: dict[str, Message] = field(default_factory=dict)  # by message id, in arrival order
    calls: list[Call] = field(default_factory=list)
    view: str = "personal"
    last: Message | None = None  # the bot's latest answer to this page
    card_problems: list[str] = field(default_factory=list)  # every card the bot showed, checked against 1.5
    _thread: Locator | None = None

    def __post_init__(self) -> None:
        self.page.set_default_timeout(self.timeout * 1000)
        self.page.on("websocket", self._watch)

    # ---- navigation ----------------------------------------------------------------------------
    def load(self) -> Teams:
        """Open the Playground (personal chat) and wait until the bot has answered the install events."""
        self.page.goto(self.playground.url)
        self._wait_for_install_events("personal")
        self.page.locator(COMPOSE_BOX).first.wait_for()
        return self

    def open_personal_chat(self) -> Teams:
        return self._open("Personal Chat", "personal")

    def open_group_chat(self) -> Teams:
        return self._open(self.playground.config["groupChat"]["name"], "group")

    def open_channel(self, name: str = "General") -> Teams:
        return self._open(f"{self.playground.config['team']['name']} - {name}", name)

    def _open(self, tree_item: str, view: str) -> Teams:
        first_visit = not any(c.conversation_id == self.playground.conversation_id(view) for c in self.calls)
        self.page.get_by_role("treeitem", name=tree_item, exact=True).click()
        self.view, self._thread, self.last = view, None, None
        if first_visit and view != "personal":  # the first visit installs the bot there
            self._wait_for_install_events(view)
        self.page.locator(COMPOSE_BOX).first.wait_for()
        return self

    def _wait_for_install_events(self, view: str) -> None:
        conversation = self.playground.conversation_id(view)
        self._until(
            lambda: (
                {"installationUpdate", "conversationUpdate"}
                <= {c.name for c in self.calls if c.conversation_id == conversation}
            ),
            f"the bot to answer the install events in {view}",
        )

    @property
    def in_channel(self) -> bool:
        return self.view not in ("personal", "group")

    @property
    def conversation_id(self) -> str:
        return self.playground.conversation_id(self.view)

    # ---- sending -------------------------------------------------------------------------------
    def send(self, text: str, *, expect_reply: bool = True) -> Message | None:
        """Type `text` and send it (in a channel: as a new post). Returns the bot's reply, once rendered."""
        return self._compose([text], expect_reply)

    def mention_bot_and_send(self, text: str, *, expect_reply: bool = True) -> Message | None:
        """@mention the bot through the @ menu, as in Teams, then `text`, and send it."""
        return self._compose([At(self.playground.bot_name), text], expect_reply)

    def compose_and_send(self, *parts: str | At, expect_reply: bool = True) -> Message | None:
        """Type `parts` in order, picking each `At` from the @ menu (the bot or a configured user), and send.

            teams.compose_and_send(At("College Bot"), "onboard ", At("Frank Newcomer"))
        """
        return self._compose(list(parts), expect_reply)

    def _compose(self, parts: list[str | At], expect_reply: bool) -> Message | None:
        mark = len(self.calls)
        self.page.locator(COMPOSE_BOX).first.click()  # in a channel: "Start a new post"
        for part in parts:
            if isinstance(part, At):
                self.page.keyboard.type("@" + part.name[:4])
                self.page.get_by_role("menuitem", name=part.name).click()
                self.page.keyboard.type(" ")
            else:
                self.page.keyboard.type(part)
        if self.in_channel:
            threads = self.page.locator(CHANNEL_THREAD)
            before = threads.count()
            self.page.get_by_role("button", name="Post", exact=True).click()
            self._until(lambda: threads.count() > before, "the new post to appear")
            self._thread = threads.nth(1)  # newest first, after the "Start a new post" card
        else:
            self.page.locator(SEND_BUTTON).click()
        sent = self._wait_for_call(mark, "message")
        return self.wait_for_reply(sent) if expect_reply else None

    def wait_for_reply(self, to: Call) -> Message:
        """The bot's first message answering `to`, once the page shows it (with its cards)."""
        self._until(lambda: self.replies(to), f"the bot to answer {to.name} {to.activity.get('text', '')!r}")
        reply = self.replies(to)[0]
        rendered = self.rendered(reply)
        rendered.wait_for()
        if reply.cards:
            rendered.locator(CARD).first.wait_for()
        self.last = reply
        return reply

    def replies(self, to: Call) -> list[Message]:
        return [m for m in self.messages.values() if m.reply_to_id and m.reply_to_id == to.id]

    # ---- reading -------------------------------------------------------------------------------
    def rendered(self, message: Message) -> Locator:
        """Where the page shows `message` (in a channel: a reply in the current thread)."""
        siblings = [m.id for m in self.messages.values() if m.conversation_id == message.conversation_id]
        index = siblings.index(message.id)
        if ";messageid=" in message.conversation_id:
            assert self._thread is not None, "post in the channel first"
            avatar = self._thread.locator(f'[role="img"][aria-label="{self.playground.bot_name}"]').nth(index)
            return avatar.locator("xpath=../..")
        author = self.page.locator('[aria-label="Message author"]', has_text=self.playground.bot_name)
        return self.page.locator(CHAT_MESSAGE).filter(has=author).nth(index)

    def last_reply(self) -> Locator:
        """The bot's latest answer on this page, as rendered."""
        assert self.last is not None, "send something first"
        return self.rendered(self.last)

    def last_card(self) -> Locator:
        """The card of the bot's latest answer (or, before any, the newest card in the conversation)."""
        if self.last is None:
            return (self._thread or self.page).locator(CARD).last
        return self.last_reply().locator(CARD).last

    def click_card_button(self, title: str, card: Locator | None = None) -> Call:
        """Click a button of a card (default: the last card) and wait until the bot has answered it.

        Action.Execute: the card is replaced in place by the bot's answer (see `Call.response`);
        Action.Submit: the bot's reply becomes `last`. Returns what the Playground sent to the bot.
        """
        card = card or self.last_card()
        before = card.inner_text()
        mark = len(self.calls)
        card.get_by_role("button", name=title, exact=True).click()
        call = self._wait_for_call(mark, "invoke", "message")
        if call.name == "message":
            self.wait_for_reply(call)
        elif (call.response.get("body") or {}).get("type") == "application/vnd.microsoft.card.adaptive":
            self._until(lambda: card.inner_text() != before, f"the card to change after {title!r}")
        return call

    def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    # ---- internals -----------------------------------------------------------------------------
    def wait_for_text(self, locator: Locator, text: str, timeout: float | None = None) -> str:
        """Waits until ``locator`` (a card the bot updates in place) shows ``text``; returns its text then."""
        saved = self.timeout
        self.timeout = timeout or saved
        try:
            self._until(lambda: text in locator.inner_text(), f"the card to show {text!r}")
        finally:
            self.timeout = saved
        return locator.inner_text()

    def _wait_for_call(self, mark: int, *names: str) -> Call:
        def found() -> Call | None:
            return next((c for c in self.calls[mark:] if c.name in names and self._here(c.conversation_id)), None)

        self._until(found, f"the Playground to deliver {'/'.join(names)} to the bot")
        return found()

    def _here(self, conversation_id: str) -> bool:
        return conversation_id.split(";")[0] == self.conversation_id

    def _until(self, condition, what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not condition():
            if time.monotonic() > deadline:
                shot = self.screenshot(f"timeout-{int(time.time() * 1000)}")
                raise AssertionError(f"timed out after {self.timeout:.0f} s waiting for {what} (screenshot: {shot})")
            self.page.wait_for_timeout(20)  # lets Playwright deliver web socket frames

    def _watch(self, socket: WebSocket) -> None:
        if "/_ws_conversation/" in socket.url or "/_ws/log/" in socket.url:
            socket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        try:
            event = json.loads(payload)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        if isinstance(event.get("message"), dict):
            self._on_message(event.get("actionConversationId", ""), event["message"])
        elif isinstance(event.get("log"), dict):
            self._on_log(event["log"])

    def _on_message(self, conversation_id: str, raw: dict[str, Any]) -> None:
        message_id = str(raw.get("messageId", ""))
        if (raw.get("from") or {}).get("id") == self.playground.bot_id:
            for card in Message(conversation_id, raw).cards:
                self.card_problems.extend(card_problems(card))
        if message_id in self.messages:
            self.messages[message_id].raw = raw
        elif (raw.get("from") or {}).get("id") == self.playground.bot_id:
            self.messages[message_id] = Message(conversation_id, raw)

    def _on_log(self, log: dict[str, Any]) -> None:
        body = (log.get("request") or {}).get("body")
        if not isinstance(body, dict) or "response" not in log:
            return
        conversation_id = (body.get("conversation") or {}).get("id") or log.get("conversationId", "")
        if log.get("to") == "User Application":
            self.calls.append(Call(log.get("activityName", ""), conversation_id, body, log["response"] or {}))
        elif log.get("from") == "User Application" and body.get("type") == "message":
            message_id = str(((log["response"] or {}).get("body") or {}).get("id", log.get("messageId", "")))
            message = self.messages.setdefault(message_id, Message(conversation_id, {"messageId": message_id}))
            message.activity = body
