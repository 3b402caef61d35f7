"""The Teams app package: a manifest valid against the 1.29 schema, the registry's commands as its menu."""

import json
import zipfile
from pathlib import Path

from jsonschema import Draft4Validator

import bot.commands  # noqa: F401
from bot.router import REGISTRY
from deploy.teams.package import build

SCHEMA = Path(__file__).resolve().parents[2] / "reference" / "teams-manifest" / "MicrosoftTeams.schema.json"


def test_package_is_valid_and_lists_the_commands(tmp_path):
    out = tmp_path / "app.zip"
    build("e229d024-2fa6-43eb-8adf-ae26bb58327d", out, website="https://example.org", valid_domains=[])
    with zipfile.ZipFile(out) as package:
        assert set(package.namelist()) == {"manifest.json", "color.png", "outline.png"}
        data = json.loads(package.read("manifest.json"))
        assert package.read("color.png").startswith(b"\x89PNG")
    errors = [e.message for e in Draft4Validator(json.loads(SCHEMA.read_text())).iter_errors(data)]
    assert errors == []
    assert data["validDomains"] == ["token.botframework.com"]  # the sign-in card's pages (per-user sign-in)
    titles = [c["title"] for c in data["bots"][0]["commandLists"][0]["commands"]]
    assert titles == [spec.name for spec in REGISTRY.commands][:12]


def manifest_of(tmp_path, devops_org_url: str) -> dict:
    out = tmp_path / "app.zip"
    build("e229d024-2fa6-43eb-8adf-ae26bb58327d", out, website="https://example.org", valid_domains=[],
          devops_org_url=devops_org_url)
    with zipfile.ZipFile(out) as package:
        data = json.loads(package.read("manifest.json"))
    errors = [e.message for e in Draft4Validator(json.loads(SCHEMA.read_text())).iter_errors(data)]
    assert errors == []
    return data


def test_links_of_the_organization_unfurl_through_a_link_message_handler(tmp_path):
    data = manifest_of(tmp_path, "https://dev.azure.com/contoso")
    assert data["composeExtensions"] == [{
        "botId": "e229d024-2fa6-43eb-8adf-ae26bb58327d", "composeExtensionType": "botBased",
        "messageHandlers": [{"type": "link", "value": {"domains": ["dev.azure.com", "contoso.visualstudio.com"]}}],
    }]
    assert data["composeExtensions"][0]["botId"] == data["bots"][0]["botId"]
    domains = manifest_of(tmp_path, "https://contoso.visualstudio.com")["composeExtensions"][0]["messageHandlers"]
    assert domains[0]["value"]["domains"] == ["contoso.visualstudio.com", "dev.azure.com"]


def test_without_an_organization_there_is_no_link_handler(tmp_path):
    assert "composeExtensions" not in manifest_of(tmp_path, "")


def test_the_command_line_takes_the_organization_from_the_environment(tmp_path, monkeypatch):
    from deploy.teams.package import main

    monkeypatch.setenv("AZURE_DEVOPS_ORG_URL", "https://dev.azure.com/college-org")
    out = tmp_path / "cli.zip"
    assert main(["--bot-id", "e229d024-2fa6-43eb-8adf-ae26bb58327d", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as package:
        data = json.loads(package.read("manifest.json"))
    handler = data["composeExtensions"][0]["messageHandlers"][0]
    assert handler["value"]["domains"] == ["dev.azure.com", "college-org.visualstudio.com"]
