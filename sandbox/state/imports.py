"""Git import requests: queued -> inProgress -> completed | failed, driven by the sandbox clock.

Whether an import will succeed is decided when it is requested (can the remote be reached, with
the credentials of the service endpoint named by ``serviceEndpointId``?); its progress is then a
function of time, so tests move it with ``POST /_sandbox/clock``. When an import completes, the
repository gets the remote's refs; when it completes or fails, the service endpoint is deleted if
the request asked for it (``deleteServiceEndpointAfterImportIsDone``).

Credentials inside ``gitSource.url`` are not used: the documented way to import a private
repository is a service endpoint (the portal's "Requires authorization" creates one), and the
service echoes ``gitSource.url`` in every answer about the request. See sandbox/README.md.
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
    """Why an import of ``url`` will fail, or None when it will succeed. Only the service endpoint's
    credential counts (``endpoint_token``); credentials written into ``url`` are not used."""
    shown = redact_credentials(url)
    if remote is None:
        return (f"Unable to clone the remote repository '{shown}'. Make sure the URL is correct, the "
                "repository exists and is accessible from Azure DevOps.")
    if remote["private"] and not _credential_is_valid(world, now, endpoint_token):
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
    """Apply every import that has finished by ``now`` (once): a completed one gives its repository the
    remote's refs; a finished one (completed or failed) deletes its service endpoint if it was asked to."""
    for request in world.import_requests.values():
        if request.applied:
            continue
        status, _ = status_of(request, now)
        if status not in ("completed", "failed"):
            continue
        if status == "completed":
            repo = world.repositories.get(request.repository_id)
            if repo is not None and request.remote is not None:
                apply_remote(repo, request.remote)
        if request.delete_endpoint_after and request.service_endpoint_id:
            world.service_endpoints.pop(request.service_endpoint_id.lower(), None)
        request.applied = True
