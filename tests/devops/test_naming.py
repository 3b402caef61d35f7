"""The bot's repository-name validator runs the same table as the sandbox (tests/data/repo_name_cases.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.naming import parse_import_source, repository_name_problem
from bot.redaction import redact_url, scrub_credentials

CASES = json.loads((Path(__file__).resolve().parents[1] / "data" / "repo_name_cases.json")
                   .read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["reason"] + ":" + repr(c["name"])[:20] for c in CASES])
def test_repository_names(case):
    problem = repository_name_problem(case["name"])
    if case["valid"]:
        assert problem is None
    else:
        assert problem and problem.endswith(".") and len(problem) < 200


@pytest.mark.parametrize(("name", "says"), [
    ("a/b", "must not contain /"), ("_x", "underscore"), (".x", "start with a period"),
    ("x.", "end with a period"), ("LPT9", "reserved"), ("bell\x07", "control characters (found U+0007)"),
    ("emoji😀", "outside the Basic Multilingual Plane"), ("x" * 70, "this one has 70"),
])
def test_the_message_says_what_is_wrong(name, says):
    assert says in repository_name_problem(name)


def test_credentials_are_removed_from_urls_and_text():
    url = "https://user:ghp_secret123@github.com/org/repo.git"
    assert redact_url(url) == "https://github.com/org/repo.git"
    assert redact_url("https://ghp_only@github.com:8443/o/r") == "https://github.com:8443/o/r"
    assert redact_url("https://github.com/o/r") == "https://github.com/o/r"
    assert scrub_credentials(f"cannot clone {url} (auth)") == "cannot clone https://github.com/org/repo.git (auth)"


def test_import_sources():
    source = parse_import_source("https://user:tok@github.com/Azure/aidevcollege.git")
    assert source.shown == "https://github.com/Azure/aidevcollege.git" and source.has_credentials
    assert source.suggested_name == "aidevcollege"
    assert "tok" not in repr(source) and "tok" not in str(source)
    assert parse_import_source("<https://github.com/a/b/>").suggested_name == "b"
    for bad, says in [("ftp://x/y", "https://"), ("https:///y", "no host"), ("https://github.com", "no path"),
                      ("https://github.com:99999/x", "not a valid URL")]:
        with pytest.raises(ValueError, match=says):
            parse_import_source(bad)
