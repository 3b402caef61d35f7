"""The repository naming table (tests/data/repo_name_cases.json), run through the SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.git.models import GitRepositoryCreateOptions

from sandbox.naming import repository_name_problem

CASES = json.loads((Path(__file__).resolve().parents[1] / "data" / "repo_name_cases.json")
                   .read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["reason"] + ":" + repr(c["name"])[:20] for c in CASES])
def test_repository_names(clients, case):
    options = GitRepositoryCreateOptions(name=case["name"])
    if case["valid"]:
        created = clients.git.create_repository(options, project="College")
        assert created.name == case["name"]
        assert clients.git.get_repository(created.id, "College").name == case["name"]
    else:
        with pytest.raises(AzureDevOpsServiceError) as caught:
            clients.git.create_repository(options, project="College")
        assert caught.value.type_key == "InvalidGitRepositoryNameException"
        assert "TF401025" in caught.value.message


def test_table_and_rules_agree():
    disagreements = [c for c in CASES if (repository_name_problem(c["name"]) is None) != c["valid"]]
    assert disagreements == []
