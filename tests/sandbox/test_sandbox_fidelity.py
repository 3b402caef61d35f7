"""The validator itself: answers are checked against the official specs, and it does catch drift."""

from __future__ import annotations

import copy

from tests.sandbox.contract import Exchange, violations
from tests.sandbox.sdk_usage import bot_clients, bot_methods, exercised_methods


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


def test_the_scan_sees_the_bots_sdk_calls():
    """A guard for the test below: if the bot's calls changed shape, the scan must not go quietly blind."""
    used = bot_methods()
    assert {("get_git_client", "create_repository"), ("get_git_client", "query_import_requests"),
            ("get_service_endpoint_client", "get_service_endpoints_by_names"),
            ("get_core_client", "get_team_members_with_extended_properties")} <= set(used)
    assert set(bot_clients().values()) >= {factory for factory, _ in used}


def test_every_sdk_method_the_bot_uses_is_exercised_through_the_sdk():
    """Each SDK method called anywhere in bot/ is called through the real SDK by a test in tests/sandbox."""
    exercised = exercised_methods()
    missing = [f"{factory}().{method} (used at {', '.join(where)})"
               for (factory, method), where in sorted(bot_methods().items()) if (factory, method) not in exercised]
    assert missing == [], "SDK methods the bot uses that no sandbox test exercises:\n" + "\n".join(missing)
