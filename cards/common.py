"""Building blocks for Adaptive Cards 1.5 (the highest version Teams renders for bots)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses messages over ~28 KB; we keep every card well below that.
MAX_CARD_BYTES = 25 * 1024


_PLACEHOLDER = re.compile(r"<([^<>\s][^<>\n]{0,39})>")


def readable(value: str) -> str:
    """Shows <placeholder> as ⟨placeholder⟩: clients treat <...> as an HTML tag and drop it."""
    return _PLACEHOLDER.sub(r"⟨\1⟩", value)


def card(body: Sequence[Element], actions: Sequence[Element] = (), *, fallback: str = "") -> Card:
    result: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": list(body)}
    if actions:
        result["actions"] = list(actions)
    if fallback:
        result["fallbackText"] = fallback
    return result


def heading(text: str, *, subtle: str = "") -> list[Element]:
    items: list[Element] = [{"type": "TextBlock", "text": readable(text), "size": "Large", "weight": "Bolder",
                             "wrap": True}]
    if subtle:
        items.append({"type": "TextBlock", "text": readable(subtle), "isSubtle": True, "wrap": True,
                      "spacing": "None"})
    return items


def text(value: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": readable(value), "wrap": True, **style}


def facts(pairs: Iterable[tuple[str, str]]) -> Element:
    return {"type": "FactSet",
            "facts": [{"title": readable(title), "value": readable(value) if value else "-"} for title, value in pairs]}


def execute(title: str, verb: str, data: dict[str, Any] | None = None, *, style: str = "") -> Element:
    action: Element = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data or {})}
    if style:
        action["style"] = style
    return action


def open_url(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def container(items: Sequence[Element], *, style: str = "", separator: bool = False) -> Element:
    result: Element = {"type": "Container", "items": list(items)}
    if style:
        result["style"] = style
    if separator:
        result["separator"] = True
    return result


def next_step(value: str) -> Element:
    """The one way a card says what to do next (after a failure, a refusal, a gap)."""
    return container([text(f"**Next step:** {value}", spacing="None")], style="emphasis")


def status_line(ok: bool | None, label: str) -> Element:
    """A one-line status with a symbol that reads without colour: pass, fail, or unknown."""
    symbol, color = {True: ("✅", "Good"), False: ("❌", "Attention"), None: ("⏳", "Warning")}[ok]
    return {"type": "TextBlock", "text": readable(f"{symbol} {label}"), "wrap": True, "color": color}


def escape(value: str) -> str:
    """Neutralises Markdown in user-provided text shown in a TextBlock."""
    out = []
    for ch in value:
        if ch in "\\`*_{}[]()#+-.!|>~<":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)
