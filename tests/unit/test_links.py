"""bot.links: which release, run or repository a pasted URL names, only for the configured organization."""

from __future__ import annotations

import pytest

from bot.links import DevOpsLink, link_domains, parse_devops_link

ORG = "https://dev.azure.com/contoso"
SANDBOX = "http://127.0.0.1:8123/college-org"


@pytest.mark.parametrize("url, expected", [
    ("https://dev.azure.com/contoso/College/_releaseProgress?_a=release-pipeline-progress&releaseId=3",
     DevOpsLink("release", "College", 3)),
    ("https://dev.azure.com/contoso/College/_release?_a=release-summary&releaseId=12&definitionId=1",
     DevOpsLink("release", "College", 12)),
    ("https://dev.azure.com/contoso/College/_build/results?buildId=42&view=results",
     DevOpsLink("run", "College", 42)),
    ("https://dev.azure.com/contoso/College/_git/tinyyolo", DevOpsLink("repository", "College", repository="tinyyolo")),
    ("https://dev.azure.com/contoso/College/_git/tinyyolo/?path=/README.md&version=GBmain",
     DevOpsLink("repository", "College", repository="tinyyolo")),
    # the organization's older host names the same organization
    ("https://contoso.visualstudio.com/College/_build/results?buildId=7", DevOpsLink("run", "College", 7)),
    # case, default port, a trailing dot on the host, a fragment, spaces around the pasted text
    ("  HTTPS://Dev.Azure.COM:443/Contoso/College/_ReleaseProgress?RELEASEID=5#stages  ",
     DevOpsLink("release", "College", 5)),
    ("https://dev.azure.com./contoso/College/_git/r", DevOpsLink("repository", "College", repository="r")),
    # encoded characters are decoded (names with spaces are allowed in Azure DevOps)
    ("https://dev.azure.com/contoso/College%20ML/_git/model%20training",
     DevOpsLink("repository", "College ML", repository="model training")),
    # credentials in the URL do not change what it names (and are never shown: the card shows the service's URL)
    ("https://someone:s3cr3t-pat@dev.azure.com/contoso/College/_build/results?buildId=9",
     DevOpsLink("run", "College", 9)),
    # the same id twice is still one id
    ("https://dev.azure.com/contoso/College/_release?releaseId=4&releaseId=4", DevOpsLink("release", "College", 4)),
])
def test_links_of_the_organization_name_their_thing(url, expected):
    assert parse_devops_link(url, ORG) == expected


@pytest.mark.parametrize("url", [
    # another organization, on either host
    "https://dev.azure.com/fabrikam/College/_releaseProgress?releaseId=3",
    "https://fabrikam.visualstudio.com/College/_releaseProgress?releaseId=3",
    "https://dev.azure.com/contoso-old/College/_git/r",
    # look-alike or other hosts
    "https://dev.azure.com.evil.example/contoso/College/_git/r",
    "https://evildev.azure.com/contoso/College/_git/r",
    "https://dev.azure.co/contoso/College/_git/r",
    "https://dev.azure.com@evil.example/contoso/College/_git/r",
    "https://contoso.visualstudio.com.evil.example/College/_git/r",
    "https://xn--dv-jja.azure.com/contoso/College/_git/r",
    "https://vsrm.dev.azure.com/contoso/College/_release?releaseId=3",
    # another scheme or port
    "http://dev.azure.com/contoso/College/_git/r",
    "https://dev.azure.com:8443/contoso/College/_git/r",
    "ftp://dev.azure.com/contoso/College/_git/r",
    "javascript:alert(1)//dev.azure.com/contoso/College/_git/r",
    # missing, odd or huge ids
    "https://dev.azure.com/contoso/College/_releaseProgress?_a=release-pipeline-progress",
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=",
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=abc",
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=0",
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=-3",
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=+3",
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=%203",
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=\u0663",  # an Arabic-Indic digit three
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=2147483648",
    "https://dev.azure.com/contoso/College/_releaseProgress?releaseId=99999999999999999999999999",
    "https://dev.azure.com/contoso/College/_release?releaseId=3&releaseId=4",
    "https://dev.azure.com/contoso/College/_build/results?buildid=1e3",
    "https://dev.azure.com/contoso/College/_build/results",
    "https://dev.azure.com/contoso/College/_build?definitionId=3",
    # other places, or paths that go on past the thing
    "https://dev.azure.com/contoso",
    "https://dev.azure.com/contoso/College",
    "https://dev.azure.com/contoso/College/_git",
    "https://dev.azure.com/contoso/College/_git/r/pullrequest/5",
    "https://dev.azure.com/contoso/College/_git/r/commit/abc123",
    "https://dev.azure.com/contoso/College/_workitems/edit/5",
    "https://dev.azure.com/contoso/_git/r",
    "https://dev.azure.com/contoso/College/sub/_git/r",
    # names that are not names
    "https://dev.azure.com/contoso/College/_git/a%2F..%2Fb",
    "https://dev.azure.com/contoso/College/_git/%00",
    "https://dev.azure.com/contoso/%20/_git/r",
    "https://dev.azure.com/contoso/a%5Cb/_git/r",
    # not URLs at all
    "", "not a url", "https://", "https://[::1/x", "https://dev.azure.com:99999/contoso/College/_git/r",
    "https://dev.azure.com/contoso/College/_git/" + "r" * 3000,
])
def test_anything_else_is_ignored(url):
    assert parse_devops_link(url, ORG) is None


@pytest.mark.parametrize("value", [None, 5, ["https://dev.azure.com/contoso/College/_git/r"], {"url": "x"}])
def test_a_value_that_is_not_text_is_ignored(value):
    assert parse_devops_link(value, ORG) is None


def test_the_older_host_as_the_configured_one_also_accepts_dev_azure_com():
    org = "https://contoso.visualstudio.com/"
    assert parse_devops_link("https://dev.azure.com/contoso/College/_git/r", org) == DevOpsLink(
        "repository", "College", repository="r")
    assert parse_devops_link("https://contoso.visualstudio.com/College/_git/r", org) is not None
    assert parse_devops_link("https://dev.azure.com/fabrikam/College/_git/r", org) is None


def test_another_base_url_matches_its_scheme_host_port_and_path():
    assert parse_devops_link(f"{SANDBOX}/College/_releaseProgress?releaseId=3", SANDBOX) == DevOpsLink(
        "release", "College", 3)
    assert parse_devops_link("http://127.0.0.1:8124/college-org/College/_git/r", SANDBOX) is None
    assert parse_devops_link("http://localhost:8123/college-org/College/_git/r", SANDBOX) is None
    assert parse_devops_link("https://127.0.0.1:8123/college-org/College/_git/r", SANDBOX) is None
    assert parse_devops_link("http://127.0.0.1:8123/other-org/College/_git/r", SANDBOX) is None
    assert parse_devops_link("http://127.0.0.1:8123/College/_git/r", SANDBOX) is None


def test_no_organization_configured_recognises_nothing():
    assert parse_devops_link("https://dev.azure.com/contoso/College/_git/r", "") is None


@pytest.mark.parametrize("org_url, domains", [
    ("https://dev.azure.com/contoso", ["dev.azure.com", "contoso.visualstudio.com"]),
    ("https://dev.azure.com/Contoso/", ["dev.azure.com", "contoso.visualstudio.com"]),
    ("https://contoso.visualstudio.com", ["contoso.visualstudio.com", "dev.azure.com"]),
    ("https://tfs.example.org/tfs/DefaultCollection", ["tfs.example.org"]),
    (SANDBOX, ["127.0.0.1:8123"]),
    ("", []),
])
def test_the_domains_registered_for_unfurling(org_url, domains):
    assert link_domains(org_url) == domains
