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


def card_texts(card: dict) -> list[str]:
    """Every piece of visible text in a card (TextBlock texts, fact titles/values, action titles)."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                out.append(node.get("text", ""))
            if node.get("type") == "FactSet":
                for fact in node.get("facts", []):
                    out.extend([fact.get("title", ""), fact.get("value", "")])
            if str(node.get("type", "")).startswith("Action."):
                out.append(node.get("title", ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return out


def card_actions(card: dict) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found
