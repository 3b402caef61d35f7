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
