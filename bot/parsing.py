"""Turns the text Teams delivers into command tokens.

Teams wraps mentions in <at>…</at>, may send HTML (<p>, <br>, &nbsp;), and Outlook-style clients turn
straight quotes into smart ones. All of that is tolerated here, in one pure function.
"""

from __future__ import annotations

import html
import re

_AT_TAG = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div)\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SMART = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                        "\u2018": "'", "\u2019": "'", "\u00a0": " "})
_TOKEN = re.compile(r'"([^"]*)"|(?<!\S)\'([^\']*)\'(?!\S)|(\S+)')


def normalise(text: str, bot_names: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """Strips the bot's mention, markup and invisible characters; other mentions become "@Name" tokens.

    Returns the clean text and the names of the other people mentioned.
    """
    bot = {name.strip().lower() for name in bot_names if name}
    others: list[str] = []

    def _mention(match: re.Match[str]) -> str:
        name = " ".join(html.unescape(_TAG.sub("", match.group(1))).translate(_SMART).split())
        if not name or name.lower() in bot:
            return " "
        others.append(name)
        return f' "@{name}" '

    text = _AT_TAG.sub(_mention, text or "")
    text = _BREAKS.sub(" ", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).translate(_INVISIBLE).translate(_SMART)
    # A mention the client sent as plain text ("@College Bot help") is stripped too.
    lowered = text.lstrip().lower()
    for name in sorted(bot, key=len, reverse=True):
        if lowered.startswith("@" + name) or lowered.startswith(name + " ") or lowered == name:
            text = text.lstrip()[len(name) + (1 if lowered.startswith("@") else 0):]
            break
    return " ".join(text.split()), tuple(others)


def tokenize(text: str) -> tuple[str, ...]:
    """Splits on whitespace, keeping "double", 'single' or “smart” quoted values together."""
    text = text.translate(_SMART)
    tokens = []
    for double, single, bare in _TOKEN.findall(text):
        tokens.append(double if double or (not single and not bare) else single or bare)
    return tuple(tokens)

