"""Microsoft's published naming restrictions for Azure DevOps projects, teams and Git repositories.

Source: "Naming restrictions and conventions" (learn.microsoft.com/azure/devops/organizations/
settings/naming-restrictions). The table-driven test in tests/data/repo_name_cases.json runs
against these rules through the sandbox, and against the bot's own validator.
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 64
FORBIDDEN_CHARACTERS = frozenset('\\/:*?"<>|;#${},+=[]')
RESERVED_NAMES = frozenset(
    name.lower() for name in (
        ["AUX", "CON", "NUL", "PRN", "DefaultCollection", "SERVER", "SignalR", "Web"]
        + [f"COM{i}" for i in range(1, 11)]
        + [f"LPT{i}" for i in range(1, 10)]
    )
)
IIS_HIDDEN_SEGMENTS = frozenset(
    name.lower() for name in ("App_Browsers", "App_code", "App_Data", "App_GlobalResources",
                              "App_LocalResources", "App_Themes", "App_WebResources", "bin", "web.config")
)


def name_problem(name: str, *, hidden_segments: bool = False) -> str | None:
    """Why ``name`` breaks the restrictions shared by repositories, projects and teams; None if fine."""
    if not name or not name.strip():
        return "must not be empty"
    if _utf16_length(name) > MAX_LENGTH:
        return f"must not contain more than {MAX_LENGTH} Unicode characters"
    for character in name:
        if unicodedata.category(character) in ("Cc", "Cs") or ord(character) > 0xFFFF:
            return "must not contain Unicode control characters or surrogate characters"
    bad = sorted({character for character in name if character in FORBIDDEN_CHARACTERS})
    if bad:
        return "must not contain " + " ".join(bad)
    if name.startswith("_"):
        return "must not start with an underscore"
    if name.startswith(".") or name.endswith("."):
        return "must not start or end with a period"
    if name.lower() in RESERVED_NAMES:
        return "must not be a system reserved name"
    if hidden_segments and name.lower() in IIS_HIDDEN_SEGMENTS:
        return "must not be a segment hidden by IIS request filtering"
    return None


def _utf16_length(name: str) -> int:
    """Length as the service counts it: a surrogate pair counts as two characters."""
    return sum(2 if ord(character) > 0xFFFF else 1 for character in name)


def repository_name_problem(name: str) -> str | None:
    return name_problem(name)


def project_name_problem(name: str) -> str | None:
    return name_problem(name, hidden_segments=True)


def team_name_problem(name: str) -> str | None:
    return name_problem(name)
