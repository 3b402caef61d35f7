"""The validator itself: answers are checked against the official specs, and it does catch drift."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from tests.sandbox.contract import Exchange, violations

BOT_METHODS = {
    "core": ["get_projects", "get_project", "get_teams", "get_team", "get_team_members_with_extended_properties"],
    "git": ["get_repositories", "get_repository", "create_repository", "delete_repository",
            "create_import_request", "get_import_request", "get_refs"],
    "graph": ["list_users", "get_user", "list_groups", "add_membership", "list_memberships", "get_storage_key",
              "get_descriptor"],
    "entitlements": ["add_user_entitlement", "search_user_entitlements", "get_user_entitlement"],
    "endpoints": ["get_service_endpoints", "get_service_endpoint_details", "execute_service_endpoint_request",
                  "update_service_endpoint", "get_service_endpoint_execution_records"],
    "extensions": ["get_installed_extensions", "get_installed_extension_by_name"],
    "release": ["get_release_definitions", "get_release_definition"],
}


def _repository_answer(clients, exchanges) -> Exchange:
    clients.git.get_repository("aidevcollege", "College")
    return exchanges[-1]


def test_a_real_answer_passes(clients, exchanges):
    assert violations(_repository_answer(clients, exchanges)) == []


def test_an_answer_missing_a_field_the_bot_reads_fails(clients, exchanges):
    answer = copy.deepcopy(_repository_answer(clients, exchanges))
    del answer.body["remoteUrl"]
    problems = violations(answer)
    assert problems and "'remoteUrl' is a required property" in problems[0]


def test_a_nested_missing_field_fails(clients, exchanges):
    clients.core.get_team_members_with_extended_properties("College", "College Team")
    answer = copy.deepcopy(exchanges[-1])
    del answer.body["value"][0]["identity"]["descriptor"]
    assert any("'descriptor' is a required property" in p for p in violations(answer))


def test_an_unknown_field_fails(clients, exchanges):
    answer = copy.deepcopy(_repository_answer(clients, exchanges))
    answer.body["madeUpField"] = True
    assert any("madeUpField" in p for p in violations(answer))


def test_a_wrong_type_fails(clients, exchanges):
    answer = copy.deepcopy(_repository_answer(clients, exchanges))
    answer.body["size"] = "big"
    assert any("size" in p for p in violations(answer))


def test_every_sdk_method_the_bot_uses_is_exercised_through_the_sdk():
    sources = "\n".join(p.read_text() for p in Path(__file__).parent.glob("test_sandbox_*.py")
                        if p.name != Path(__file__).name)
    missing = [f"{group}.{name}" for group, names in BOT_METHODS.items() for name in names
               if not re.search(rf"clients\.{group}\.{name}\(", sources)]
    assert missing == []
