"""bot/scopes.py against the registry and the Azure DevOps REST 7.1 specification in reference/: every command,
button and confirmed operation has its needs written down; each scope is one the specification names for the calls
listed, none is more than they need, and what only reads gets read scopes only."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import bot.commands  # noqa: F401  (registers every command)
from bot.router import REGISTRY
from bot.scopes import EVERY_TURN, INCLUDES, NEEDS, NOT_IN_SPEC, SERVICE_HOOK_EVENTS, Needs, is_read_scope

SPECS = Path(__file__).resolve().parents[2] / "reference" / "azure-devops-rest-7.1"
READS = {"GET", "HEAD"}
# POSTs that only read (a query, or a service connection's TestConnection request)
READING_POSTS = {"serviceEndpoint:Endpointproxy_Query"}


@cache
def operations() -> dict[str, tuple[str, frozenset[str]]]:
    """"<folder>:<operationId>" -> (method, the scopes any one of which allows it)"""
    found: dict[str, tuple[str, frozenset[str]]] = {}
    for path in SPECS.glob("*/*.json"):
        if path.parent.name == "recorded":
            continue
        spec = json.loads(path.read_text(encoding="utf-8-sig"))
        for item in spec.get("paths", {}).values():
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    scopes = frozenset(s for req in op.get("security", []) for s in req.get("oauth2", []))
                    found[f"{path.parent.name}:{op['operationId']}"] = (method.upper(), scopes)
    for key, (method, scopes) in NOT_IN_SPEC.items():
        found[key] = (method, frozenset(scopes))
    return found


def closure(scopes: tuple[str, ...]) -> set[str]:
    return {s for scope in scopes for s in (scope, *INCLUDES.get(scope, ()))}


def everything() -> dict[str, Needs]:
    return {"(every turn)": EVERY_TURN, "(service hook events)": SERVICE_HOOK_EVENTS, **NEEDS}


def test_every_command_button_and_operation_has_its_needs_written_down():
    registered = ({s.name for s in REGISTRY.commands} | {a.verb for a in REGISTRY.actions}
                  | {o.name for o in REGISTRY.operations})
    assert sorted(registered - NEEDS.keys()) == [], "add them to bot/scopes.py"
    assert sorted(NEEDS.keys() - registered) == [], "bot/scopes.py names what is not registered"


@pytest.mark.parametrize("name", sorted(everything()))
def test_the_scopes_allow_every_call_and_no_more(name):
    needs = everything()[name]
    known = operations()
    assert [c for c in needs.calls if c not in known] == [], "not an operation of the specification"
    granted = closure(needs.scopes)
    for call in needs.calls:
        _, allowed = known[call]
        assert not allowed or allowed & granted, f"{call} needs one of {sorted(allowed)}"
    for scope in needs.scopes:  # each scope is the only way to at least one of the calls
        without = closure(tuple(s for s in needs.scopes if s != scope))
        assert any(known[c][1] and not known[c][1] & without for c in needs.calls), f"{scope} is not needed"
    assert list(needs.scopes) == list(dict.fromkeys(needs.scopes))


@pytest.mark.parametrize("name", sorted(everything()))
def test_what_only_reads_gets_read_scopes_only(name):
    needs = everything()[name]
    writes = [c for c in needs.calls if operations()[c][0] not in READS and c not in READING_POSTS]
    if writes:
        assert [s for s in needs.scopes if not is_read_scope(s)], f"{name} writes ({writes}) with read scopes?"
        return
    assert [s for s in needs.scopes if not is_read_scope(s)] == []


def test_read_only_commands_need_only_read_scopes():
    """The issue's rule, said of the registry: every command everyone may use that changes nothing in Azure
    DevOps (its calls only read) has read scopes only."""
    for spec in REGISTRY.commands:
        needs = NEEDS[spec.name]
        reads_only = all(operations()[c][0] in READS or c in READING_POSTS for c in needs.calls)
        if reads_only:
            assert all(is_read_scope(s) for s in needs.scopes), spec.name


def test_a_command_without_needs_fails_the_docs(monkeypatch):
    from bot import docs, scopes

    monkeypatch.delitem(scopes.NEEDS, "repos")
    with pytest.raises(ValueError, match="repos"):
        docs.scope_reference(REGISTRY)
