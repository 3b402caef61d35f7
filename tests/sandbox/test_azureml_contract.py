"""The ARM validator itself: the sandbox's answers pass azure-ai-ml's REST models, and drift is caught."""

from __future__ import annotations

import copy

import pytest

from tests.sandbox.arm_contract import ArmExchange, violations


@pytest.fixture
def version_answer(azureml_sandbox, arm_exchanges) -> ArmExchange:
    azureml_sandbox.ml_client().models.get("TinyYOLO", version="1")
    return copy.deepcopy(arm_exchanges[-1])


def test_a_real_answer_passes(version_answer):
    assert violations(version_answer) == []


def test_an_unknown_field_fails(version_answer):
    version_answer.body["properties"]["madeUpField"] = 1
    assert any("unknown field 'madeUpField'" in p for p in violations(version_answer))


def test_a_missing_required_field_fails(version_answer):
    del version_answer.body["properties"]
    assert any("required field 'properties' is missing" in p for p in violations(version_answer))


def test_a_wrong_type_fails(version_answer):
    version_answer.body["properties"]["isArchived"] = "no"
    version_answer.body["systemData"]["createdAt"] = "yesterday"
    problems = violations(version_answer)
    assert any("isArchived" in p for p in problems) and any("createdAt" in p for p in problems)


def test_a_write_only_field_in_an_answer_fails(azureml_sandbox, arm_exchanges):
    azureml_sandbox.ml_client().datastores.get("workspaceblobstore")
    answer = copy.deepcopy(arm_exchanges[-1])
    assert violations(answer) == []
    answer.body["properties"]["credentials"]["secrets"] = {"secretsType": "AccountKey", "key": "k"}
    assert any("never in an answer" in p for p in violations(answer))
    answer.body["properties"]["datastoreType"] = "FloppyDisk"
    assert any("FloppyDisk" in p for p in violations(answer))


def test_list_pages_and_errors_have_contracts_too(azureml_sandbox, arm_exchanges):
    list(azureml_sandbox.ml_client().models.list())
    page = copy.deepcopy(arm_exchanges[-1])
    assert violations(page) == []
    page.body["count"] = 2
    assert any("unknown field 'count'" in p for p in violations(page))
    error = ArmExchange("GET", page.url, 404, {"error": {"code": "ResourceNotFound", "message": "m", "inner": 1}})
    assert any("unknown field 'inner'" in p for p in violations(error))
    unknown = ArmExchange("GET", azureml_sandbox.arm_endpoint + "subscriptions/x/whatever", 200, {})
    assert violations(unknown) == [f"GET {unknown.path} (200): no contract for this answer"]
