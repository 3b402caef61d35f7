"""Validates Adaptive Cards against the official 1.5 schema (copied into reference/) and Teams' size limit."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "reference" / "adaptive-cards" / "adaptive-card-1.5.schema.json"
MAX_CARD_BYTES = 25 * 1024


@cache
def _validator() -> Draft6Validator:
    return Draft6Validator(json.loads(SCHEMA_FILE.read_text()))


def card_problems(card: dict) -> list[str]:
    problems = []
    for error in _validator().iter_errors(card):
        deepest = best_match([error, *(error.context or [])])
        problems.append(f"{'/'.join(map(str, deepest.absolute_path))}: {deepest.message[:300]}")
    if card.get("version") != "1.5":
        problems.append(f"version is {card.get('version')!r}, Teams renders 1.5")
    size = len(json.dumps(card, ensure_ascii=False).encode())
    if size > MAX_CARD_BYTES:
        problems.append(f"card is {size} bytes, over {MAX_CARD_BYTES}")
    return problems


def assert_valid_card(card: dict) -> None:
    problems = card_problems(card)
    assert not problems, "invalid Adaptive Card:\n" + "\n".join(problems)


def elements(card: dict):
    """Every element, action and sub-object of a card, depth first."""
    stack: list[object] = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def card_texts(card: dict) -> list[str]:
    """Every piece of visible text in a card (TextBlock and TextRun texts, fact titles/values, action titles)."""
    out: list[str] = []
    for node in elements(card):
        kind = str(node.get("type", ""))
        if kind in ("TextBlock", "TextRun"):
            out.append(node.get("text", ""))
        elif kind == "FactSet":
            for fact in node.get("facts", []):
                out.extend([fact.get("title", ""), fact.get("value", "")])
        elif kind.startswith("Action."):
            out.append(node.get("title", ""))
    return out


def card_actions(card: dict) -> list[dict]:
    return [node for node in elements(card) if str(node.get("type", "")).startswith("Action.")]


def rich_texts(card: dict) -> list[str]:
    return [node.get("text", "") for node in elements(card) if node.get("type") == "TextRun"]
