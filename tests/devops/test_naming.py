"""The bot's repository-name validator runs the same table as the sandbox (tests/data/repo_name_cases.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.naming import parse_import_source, repository_name_problem
from bot.redaction import redact_url, scrub_secrets

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
    assert scrub_secrets(f"cannot clone {url} (auth)") == "cannot clone https://github.com/org/repo.git (auth)"


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


# ---- import sources: HTTPS only, never an internal address, however it is written ---------------------------------
INTERNAL_SOURCES = [
    "https://127.0.0.1/o/r", "https://127.1/o/r", "https://2130706433/o/r", "https://0x7f000001/o/r",
    "https://0177.0.0.1/o/r", "https://0x7f.0.0.1/o/r", "https://[::1]/o/r", "https://[::ffff:127.0.0.1]/o/r",
    "https://[::ffff:7f00:1]/o/r", "https://localhost/o/r", "https://LOCALHOST./o/r", "https://git.localhost/o/r",
    "https://169.254.169.254/latest/meta-data", "https://[fe80::1]/o/r", "https://[fe80::1%25eth0]/o/r",
    "https://metadata.google.internal/computeMetadata", "https://metadata/o/r", "https://10.0.0.5/o/r",
    "https://172.16.3.4/o/r", "https://192.168.1.10/o/r", "https://[fd00:ec2::254]/o/r", "https://100.64.0.1/o/r",
    "https://0.0.0.0/o/r", "https://0/o/r", "https://git.corp.internal/o/r", "https://nas.local/o/r",
    "https://github.com@127.0.0.1/o/r", "https://user:pw@10.1.2.3/o/r", "https://github.com:pw@[::1]/o/r",
    "https://buildserver/o/r", "https://224.0.0.1/o/r", "https://255.255.255.255/o/r",
]
NOT_URLS = ["https://github.com/a b", "https://127.0.0.1\\@github.com/o/r", "https://github.com\n/o/r", "https://github.com/o\x00/r",
            "https://gith%75b.com/o/r", "https://%31%32%37.0.0.1/o/r"]


@pytest.mark.parametrize("url", INTERNAL_SOURCES)
def test_internal_addresses_are_refused_however_written(url):
    with pytest.raises(ValueError, match=r"only import from public hosts|HTTPS only") as refused:
        parse_import_source(url)
    assert "pw" not in str(refused.value)


@pytest.mark.parametrize("url", NOT_URLS)
def test_urls_a_parser_could_read_two_ways_are_refused(url):
    with pytest.raises(ValueError):
        parse_import_source(url)


@pytest.mark.parametrize("url", ["http://github.com/Azure/aidevcollege", "git://github.com/a/b", "ssh://g.com/a/b",
                                 "file:///etc/passwd", "HTTP://github.com/a/b"])
def test_only_https(url):
    with pytest.raises(ValueError, match="HTTPS only"):
        parse_import_source(url)


@pytest.mark.parametrize("url", ["https://github.com/Azure/aidevcollege", "https://dev.azure.com/org/p/_git/r",
                                 "https://gitlab.com/g/r.git", "https://github.com./a/b", "https://8.8.8.8/a/b",
                                 "https://[2606:4700::1111]/a/b", "https://bücher.example/a/b"])
def test_public_sources_are_accepted(url):
    assert parse_import_source(url).shown == url


def test_trusted_hosts_may_use_http_and_internal_addresses():
    trusted = frozenset({"git.corp.internal", "10.0.0.5"})
    assert parse_import_source("http://git.corp.internal/o/r", trusted).suggested_name == "r"
    assert parse_import_source("https://10.0.0.5/o/r", trusted).suggested_name == "r"
    with pytest.raises(ValueError, match="only import from public hosts"):
        parse_import_source("https://10.0.0.6/o/r", trusted)
