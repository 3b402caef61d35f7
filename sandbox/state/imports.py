"""Git import requests: queued -> inProgress -> completed | failed, driven by the sandbox clock.

Whether an import will succeed is decided when it is requested (can the remote be reached, with
the credentials given?); its progress is then a function of time, so tests move it with
``POST /_sandbox/clock``. When an import completes, the repository gets the remote's refs.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from .model import ImportRequest
from .seed import apply_remote
from .world import World

QUEUED_SECONDS = 1.0
ALL_STEPS = [
    "Processing request",
    "Analyzing repository objects",
    "Storing objects",
    "Storing index file",
    "Updating references",
    "Import completed successfully",
]


def redact_credentials(url: str) -> str:
    """``https://user:token@host/path`` -> ``https://host/path``."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _credential_is_valid(world: World, now: datetime, token: str | None) -> bool:
    found = world.github_token(token) if token else None
    return found is not None and found.expires > now


def decide_failure(world: World, now: datetime, url: str, endpoint_token: str | None,
                   remote: dict | None) -> str | None:
    """Why an import of ``url`` will fail, or None when it will succeed."""
    shown = redact_credentials(url)
    if remote is None:
        return (f"Unable to clone the remote repository '{shown}'. Make sure the URL is correct, the "
                "repository exists and is accessible from Azure DevOps.")
    if remote["private"]:
        url_token = urlsplit(url).password
        if not (_credential_is_valid(world, now, url_token) or _credential_is_valid(world, now, endpoint_token)):
            return (f"Authentication failed for remote repository '{shown}'. Make sure the credentials "
                    "you supplied are correct and have access to the repository.")
    return None


def status_of(request: ImportRequest, now: datetime) -> tuple[str, int]:
    """(status, current step) at ``now``."""
    elapsed = (now - request.created).total_seconds()
    if elapsed < QUEUED_SECONDS:
        return "queued", 0
    running = elapsed - QUEUED_SECONDS
    if running < request.run_seconds:
        fraction = running / request.run_seconds if request.run_seconds else 1.0
        return "inProgress", 1 + min(len(ALL_STEPS) - 2, int(fraction * (len(ALL_STEPS) - 1)))
    if request.failure:
        return "failed", 2
    return "completed", len(ALL_STEPS)


def settle(world: World, now: datetime) -> None:
    """Apply every import that has completed by ``now`` to its repository (once)."""
    for request in world.import_requests.values():
        if request.applied or request.failure:
            continue
        status, _ = status_of(request, now)
        if status == "completed":
            repo = world.repositories.get(request.repository_id)
            if repo is not None and request.remote is not None:
                apply_remote(repo, request.remote)
            request.applied = True
