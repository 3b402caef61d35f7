"""Builds the Teams app package (manifest.json + icons, zipped) from the command registry.

    python -m deploy.teams.package --bot-id <MicrosoftAppId> [--out build/college-bot.zip]
           [--website https://...] [--valid-domain bot.example.com] [--devops-org-url https://dev.azure.com/<org>]

The command menu (commandLists) comes from the same registry as `help`, so it never drifts. Link unfurling's
domains (composeExtensions' messageHandlers) come from the organization's URL (AZURE_DEVOPS_ORG_URL by default),
as the bot recognises its links (bot.links). The icons are drawn here (plain PNGs) so the package needs no binary
files in git.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import uuid
import zipfile
import zlib
from pathlib import Path

ACCENT = (0x1F, 0x6F, 0xB2)
MANIFEST_VERSION = "1.29"
MAX_COMMANDS = 12  # per command list, Teams' limit


def png(size: int, rgb: tuple[int, int, int], *, outline: bool = False) -> bytes:
    """A square PNG: a filled colour icon, or a white-on-transparent outline icon (as Teams requires)."""
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            border = min(x, y, size - 1 - x, size - 1 - y) < max(1, size // 10)
            if outline:
                row += bytes((255, 255, 255, 255 if border else 0))
            else:
                row += bytes((*rgb, 255)) if not border else bytes((255, 255, 255, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(
        b"IEND", b"")


SIGN_IN_DOMAIN = "token.botframework.com"
"""The Bot Framework token service's sign-in pages: Teams opens the sign-in card's link only for a valid domain."""


def link_unfurling(bot_id: str, domains: list[str]) -> list[dict]:
    """composeExtensions: the bot's link handler for the organization's domains (no search or action commands;
    msteams-docs link-unfurling: messageHandlers need none)."""
    if not domains:
        return []
    return [{"botId": bot_id, "composeExtensionType": "botBased",
             "messageHandlers": [{"type": "link", "value": {"domains": domains}}]}]


def manifest(bot_id: str, commands: list[tuple[str, str]], *, version: str, website: str,
             valid_domains: list[str], link_domains: list[str] | None = None) -> dict:
    menu = [{"title": name, "description": help_line[:4000]} for name, help_line in commands[:MAX_COMMANDS]]
    data: dict = {
        "$schema": "https://developer.microsoft.com/en-us/json-schemas/teams/v1.29/MicrosoftTeams.schema.json",
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"college-bot:{bot_id}")),
        "developer": {"name": "College Team", "websiteUrl": website, "privacyUrl": f"{website}/privacy",
                      "termsOfUseUrl": f"{website}/terms"},
        "name": {"short": "College Bot", "full": "College Bot: MLOps chat-ops for the College Team"},
        "description": {
            "short": "Run the team's MLOps on Azure DevOps and Azure ML from Teams.",
            "full": "Create and import repositories, onboard colleagues, check service connections and the "
                    "whole MLOps setup, see registered models with their test results, approve release "
                    "stages and get deployment alerts and digests, without leaving Teams.",
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": bot_id,
            "scopes": ["personal", "team", "groupChat"],
            "isNotificationOnly": False,
            "supportsFiles": False,
            "commandLists": [{"scopes": ["personal", "team", "groupChat"], "commands": menu}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": list(dict.fromkeys([SIGN_IN_DOMAIN, *valid_domains])),
    }
    extensions = link_unfurling(bot_id, list(link_domains or []))
    if extensions:
        data["composeExtensions"] = extensions
    return data


def registry_commands() -> list[tuple[str, str]]:
    import bot.commands  # noqa: F401  (registers every command)
    from bot.router import REGISTRY

    return [(spec.name, spec.help) for spec in REGISTRY.commands]


def build(bot_id: str, out: Path, *, website: str, valid_domains: list[str], devops_org_url: str = "") -> dict:
    from bot.links import link_domains
    from bot.settings import VERSION

    data = manifest(bot_id, registry_commands(), version=VERSION, website=website, valid_domains=valid_domains,
                    link_domains=link_domains(devops_org_url))
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(data, indent=2))
        package.writestr("color.png", png(192, ACCENT))
        package.writestr("outline.png", png(32, ACCENT, outline=True))
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bot-id", required=True, help="the Azure Bot's MicrosoftAppId")
    parser.add_argument("--out", type=Path, default=Path("build/college-bot.zip"))
    parser.add_argument("--website", default="https://github.com/college-team/college-bot")
    parser.add_argument("--valid-domain", action="append", default=[])
    parser.add_argument("--devops-org-url", default=os.environ.get("AZURE_DEVOPS_ORG_URL", ""),
                        help="the organization whose links unfurl into cards (default: AZURE_DEVOPS_ORG_URL)")
    args = parser.parse_args(argv)
    build(args.bot_id, args.out, website=args.website, valid_domains=args.valid_domain,
          devops_org_url=args.devops_org_url)
    sys.stderr.write(f"wrote {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
