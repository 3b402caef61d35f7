"""Names and URLs checked before anything reaches Azure DevOps (credentials are removed by bot.redaction).

Repository names follow Microsoft's published restrictions ("Naming restrictions and conventions",
learn.microsoft.com/azure/devops/organizations/settings/naming-restrictions#azure-repos-git). The same table
(tests/data/repo_name_cases.json) runs against this validator and, through the SDK, against the sandbox.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.addresses import internal_host_problem
from bot.redaction import has_secret_parameter, redact_url

MAX_REPO_NAME = 64
FORBIDDEN = '\\/:*?"<>|;#${},+=[]'
RESERVED = frozenset(
    n.lower()
    for n in ["AUX", "CON", "NUL", "PRN", "DefaultCollection", "SERVER", "SignalR", "Web"]
    + [f"COM{i}" for i in range(1, 11)]
    + [f"LPT{i}" for i in range(1, 10)]
)


def repository_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a Git repository name, in words a user can act on; None when fine."""
    if not name or not name.strip():
        return "A repository name must not be empty."
    length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in name)  # the service counts UTF-16 code units
    if length > MAX_REPO_NAME:
        return f"A repository name can have at most {MAX_REPO_NAME} characters; this one has {length}."
    for ch in name:
        if ord(ch) > 0xFFFF:
            return "A repository name must not contain characters outside the Basic Multilingual Plane (emoji)."
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return f"A repository name must not contain control characters (found U+{ord(ch):04X})."
    bad = sorted({ch for ch in name if ch in FORBIDDEN}, key=FORBIDDEN.index)
    if bad:
        return "A repository name must not contain " + " ".join(bad) + f" (none of {FORBIDDEN} are allowed)."
    if name.startswith("_"):
        return "A repository name must not start with an underscore."
    if name.startswith("."):
        return "A repository name must not start with a period."
    if name.endswith("."):
        return "A repository name must not end with a period."
    if name.lower() in RESERVED:
        return f"'{name}' is a system reserved name (AUX, COM1-COM10, CON, DefaultCollection, LPT1-LPT9, NUL, " \
               "PRN, SERVER, SignalR, Web)."
    return None


@dataclass(frozen=True)
class ImportSource:
    """A Git URL to import from: ``url`` as given (may hold credentials: only ever sent to Azure DevOps),
    ``shown`` without them (for cards, logs and the audit), and the repository name it suggests."""

    url: str
    shown: str
    has_credentials: bool
    suggested_name: str

    def __repr__(self) -> str:  # never print the credentials, even by accident
        return f"ImportSource(shown={self.shown!r}, has_credentials={self.has_credentials})"

    __str__ = __repr__


def import_source_problem(url: str, trusted_hosts: frozenset[str] = frozenset()) -> str | None:
    """What makes ``url`` unusable as an import source: not a URL, not HTTPS, an internal host, no repository path.
    Hosts in ``trusted_hosts`` (IMPORT_TRUSTED_HOSTS: an on-premises Git server) may use http and internal
    addresses."""
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in url):
        return "That is not a valid URL (it has spaces, control characters or backslashes)."
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return "That is not a valid URL."
    https_only = "Azure DevOps imports Git repositories over HTTPS only: give a URL that starts with https://."
    if parts.scheme not in ("https", "http"):
        return https_only
    if not parts.hostname:
        return "The URL has no host name."
    trusted = parts.hostname.rstrip(".").lower() in trusted_hosts
    if parts.scheme != "https" and not trusted:
        return https_only
    problem = None if trusted else internal_host_problem(parts.hostname)
    if problem:
        return (f"I only import from public hosts, and {problem}: Azure DevOps would fetch it from inside its own "
                "network.")
    if not parts.path.strip("/"):
        return "The URL names no repository (it has no path)."
    if has_secret_parameter(url):
        return ("The URL carries a token in its query. For a private source put the credentials before the host "
                "instead: https://<user>:<token>@<host>/<path> (they then go into a temporary service connection, "
                "never into the import's record).")
    return None


def parse_import_source(url: str, trusted_hosts: frozenset[str] = frozenset()) -> ImportSource:
    """Raises ValueError (message says what is wrong, without the credentials) for an unusable URL."""
    url = url.strip().strip("<>")
    problem = import_source_problem(url, trusted_hosts)
    if problem:
        raise ValueError(problem)
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    suggested = last[:-4] if last.lower().endswith(".git") else last
    return ImportSource(url=url, shown=redact_url(url),
                        has_credentials=parts.username is not None or parts.password is not None,
                        suggested_name=suggested)
