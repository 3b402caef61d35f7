"""Which Azure DevOps thing a pasted URL names, if it is one of the configured organization's (pure; no I/O).

    parse_devops_link("https://dev.azure.com/contoso/College/_releaseProgress?releaseId=3", org_url)
    -> DevOpsLink(kind="release", project="College", id=3)

Recognised, for the organization AZURE_DEVOPS_ORG_URL names (``https://dev.azure.com/<org>``, its older form
``https://<org>.visualstudio.com``, or any other base such as the sandbox's ``http://127.0.0.1:<port>/<org>``):
a release ``<project>/_releaseProgress?...releaseId=N`` or ``<project>/_release?...releaseId=N``, a pipeline run or
build ``<project>/_build/results?buildId=N``, a repository ``<project>/_git/<repo>`` (optionally ``?path=...``).
Anything else is None: another organization, another host (look-alikes included), another scheme or port, a
missing, repeated or out-of-range id, a path that goes on past what is named. The pasted URL itself is never shown
(it may carry credentials): what is shown comes from Azure DevOps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_URL_CHARS = 2048  # what the Teams manifest allows a domain; a pasted link longer than this is not ours
MAX_ID = 2**31 - 1  # Azure DevOps ids are 32-bit
DEV_AZURE = "dev.azure.com"
VISUALSTUDIO = ".visualstudio.com"
_ID = re.compile(r"[0-9]{1,10}")
_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f/\\]")

Kind = Literal["release", "run", "repository"]


@dataclass(frozen=True)
class DevOpsLink:
    kind: Kind
    project: str
    id: int = 0  # a release's or run's id
    repository: str = ""  # a repository's name


@dataclass(frozen=True)
class _Org:
    scheme: str
    host: str  # lower case, no trailing dot
    port: int | None
    prefix: tuple[str, ...]  # path segments before the project (the org name on dev.azure.com), lower case
    alias: tuple[str, tuple[str, ...]] | None = None  # the same organization's other (host, prefix)


def _split(url: str) -> tuple[str, str, int | None, list[str], str] | None:
    """scheme, host, port (None when the scheme's default), path segments (decoded), query; None when malformed."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host:
        return None
    if port == {"http": 80, "https": 443}[scheme]:
        port = None
    segments = [unquote(s) for s in parts.path.split("/")]
    if segments and segments[0] == "":
        segments = segments[1:]
    if segments and segments[-1] == "":
        segments = segments[:-1]
    return scheme, host, port, segments, parts.query


def _org(org_url: str) -> _Org | None:
    split = _split(org_url)
    if split is None:
        return None
    scheme, host, port, segments, _ = split
    prefix = tuple(s.lower() for s in segments)
    if scheme == "https" and port is None and host == DEV_AZURE and len(prefix) == 1:
        return _Org(scheme, host, port, prefix, alias=(prefix[0] + VISUALSTUDIO, ()))
    if scheme == "https" and port is None and host.endswith(VISUALSTUDIO) and not prefix:
        name = host.removesuffix(VISUALSTUDIO)
        if name and "." not in name:
            return _Org(scheme, host, port, prefix, alias=(DEV_AZURE, (name,)))
    return _Org(scheme, host, port, prefix)


def link_domains(org_url: str) -> list[str]:
    """The domains the Teams manifest registers for link unfurling: the organization's host, and its other form on
    Azure DevOps Services (dev.azure.com and <org>.visualstudio.com name the same organization)."""
    org = _org(org_url)
    if org is None:
        return []
    domains = [org.host if org.port is None else f"{org.host}:{org.port}"]
    if org.alias is not None:
        domains.append(org.alias[0])
    return domains


def _one(query: str, name: str) -> int | None:
    """The one value of ``name`` (case-insensitive) as an id; None when absent, repeated differently or not one."""
    values = {v for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() == name.lower()}
    if len(values) != 1:
        return None
    value = values.pop()
    if not _ID.fullmatch(value) or not 0 < int(value) <= MAX_ID:
        return None
    return int(value)


def _name(segment: str) -> str:
    return "" if not segment.strip() or _NAME_FORBIDDEN.search(segment) else segment


def parse_devops_link(url: object, org_url: str) -> DevOpsLink | None:
    """The release, run or repository ``url`` names in the organization at ``org_url``; None for anything else."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        return None
    org, split = _org(org_url), _split(url)
    if org is None or split is None:
        return None
    scheme, host, port, segments, query = split
    if (scheme, port) != (org.scheme, org.port):
        return None
    places = [(org.host, org.prefix), *([org.alias] if org.alias else [])]
    rest: list[str] | None = None
    for place_host, prefix in places:
        head = tuple(s.lower() for s in segments[:len(prefix)])
        if host.lower() == place_host and head == prefix:
            rest = segments[len(prefix):]
            break
    if not rest or len(rest) < 2:
        return None
    project = _name(rest[0])
    if not project:
        return None
    where = [s.lower() for s in rest[1:]]
    if where in (["_releaseprogress"], ["_release"]):
        release_id = _one(query, "releaseId")
        return DevOpsLink("release", project, release_id) if release_id else None
    if where == ["_build", "results"]:
        build_id = _one(query, "buildId")
        return DevOpsLink("run", project, build_id) if build_id else None
    if len(rest) == 3 and where[0] == "_git":
        repository = _name(rest[2])
        return DevOpsLink("repository", project, repository=repository) if repository else None
    return None
