"""What a digest says about Azure DevOps since a moment, read with a handful of batched queries (never one call per
pipeline or release definition):

1. builds, the newest completed one of every definition (``maxBuildsPerDefinition=1``): each YAML pipeline's last
   result (a YAML run is its build);
2. builds completed since the moment (``minTime``, ``finishTimeDescending``): failures and the success rate;
3. releases created since the moment, with their stages (``minCreatedTime``, ``$expand=environments``): each release
   pipeline's deployments, failures and success rate;
4. active releases with a stage queued or in progress (``environmentStatusFilter``): releases in flight;
5. the pending release approvals, and 6. the pending YAML environment approvals, oldest first.

Lists page with ``x-ms-continuationtoken`` (raw calls: the SDK drops the header), each within ``MAX_PAGES``: what is
beyond is counted as not read (``Digest.truncated``), so one digest costs at most ``CALL_BUDGET`` calls whatever the
organization's size (bench/digest_cost.py prints the numbers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.errors import UserFacingError
from bot.services.devops.approvals import PAGE as APPROVALS_PAGE
from bot.services.devops.client import DevOpsClient, SdkClients
from bot.services.devops.model import Approval, Digest, Outcome, PendingApproval, PipelineHealth, Release, Stage
from bot.services.devops.pipelines import parse_time
from bot.services.devops.releases import approval_from_model
from bot.services.devops.yaml_approvals import pending_run_approvals

BUILDS_LOCATION = "0cd358e1-9217-4d94-8269-1c1ee6f93dcf"
BUILDS_VERSION = "7.1"
BUILDS_PAGE = 1000
RELEASES_LOCATION = "a166fde7-27ad-408e-ba75-703c2cc9d500"
RELEASES_VERSION = "7.1-preview.8"
RELEASES_PAGE = 100
MAX_PAGES = {"latest builds": 2, "builds": 2, "releases": 2, "in flight": 1}
CALL_BUDGET = sum(MAX_PAGES.values()) + 2  # + the two approvals lists (one page each: the oldest 100 / 250)
T = TypeVar("T")
IN_FLIGHT_BITS = 2 | 32  # inProgress | queued (the service's environmentStatusFilter bitmask)
FINISHED = {"succeeded", "failed", "partiallySucceeded", "canceled", "rejected"}


def utc_text(moment: datetime) -> str:
    """The service's query format for a time (a ``+`` would not survive the query string)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


async def _pages(devops: DevOpsClient, what: str, location: str, version: str, client: str,
                 query: dict[str, Any], max_pages: int, truncated: list[str]) -> list[dict]:
    found: list[dict] = []
    token = ""
    for _ in range(max_pages):
        response = await devops.send_raw(client, "GET", location, version, route_values={"project": devops.project},
                                         query={**query, **({"continuationToken": token} if token else {})},
                                         what=f"list {what}")
        body = response.body if isinstance(response.body, dict) else {}
        found.extend(v for v in body.get("value") or [] if isinstance(v, dict))
        token = response.continuation_token
        if not token:
            return found
    truncated.append(what)
    return found


def _web(raw: dict) -> str:
    links = raw.get("_links") if isinstance(raw.get("_links"), dict) else {}
    web = links.get("web") if isinstance(links.get("web"), dict) else {}
    return str(web.get("href") or "")


def _build_outcome(raw: dict) -> Outcome:
    return Outcome(name=str(raw.get("buildNumber") or raw.get("id") or ""), result=str(raw.get("result") or ""),
                   at=parse_time(raw.get("finishTime")), url=_web(raw))


def pipeline_health(latest: Iterable[dict], period: Iterable[dict], org_url: str, project: str) -> list[PipelineHealth]:
    """Per definition: the newest completed build, and the builds completed in the period (newest first)."""
    names: dict[int, str] = {}
    last: dict[int, Outcome] = {}
    in_period: dict[int, list[Outcome]] = {}
    for raw in latest:
        definition = raw.get("definition") if isinstance(raw.get("definition"), dict) else {}
        key = int(definition.get("id") or 0)
        names[key] = str(definition.get("name") or "")
        last.setdefault(key, _build_outcome(raw))
    for raw in period:
        definition = raw.get("definition") if isinstance(raw.get("definition"), dict) else {}
        key = int(definition.get("id") or 0)
        names.setdefault(key, str(definition.get("name") or ""))
        in_period.setdefault(key, []).append(_build_outcome(raw))
    found = []
    for key, name in names.items():
        runs = sorted(in_period.get(key, []), key=lambda o: o.at or datetime.min.replace(tzinfo=UTC), reverse=True)
        newest = last.get(key) or (runs[0] if runs else None)
        found.append(PipelineHealth(
            kind="pipeline", id=key, name=name, last=newest, runs=len(runs),
            succeeded=sum(not o.failed for o in runs), failures=tuple(o for o in runs if o.failed),
            url=f"{org_url}/{project}/_build?definitionId={key}" if org_url else ""))
    return found


def release_from_json(raw: dict) -> Release:
    definition = raw.get("releaseDefinition") if isinstance(raw.get("releaseDefinition"), dict) else {}
    stages = tuple(Stage(id=int(e.get("id") or 0), name=str(e.get("name") or ""), status=str(e.get("status") or ""),
                         modified_on=parse_time(e.get("modifiedOn")))
                   for e in sorted((e for e in raw.get("environments") or [] if isinstance(e, dict)),
                                   key=lambda e: e.get("rank") or 0))
    return Release(id=int(raw.get("id") or 0), name=str(raw.get("name") or ""),
                   definition=str(definition.get("name") or ""), status=str(raw.get("status") or ""),
                   created_on=parse_time(raw.get("createdOn")), stages=stages, web_url=_web(raw))


def _deployment(release: Release, stage: Stage) -> Outcome:
    result = "failed" if stage.status == "rejected" else stage.status
    return Outcome(name=f"{release.name} · {stage.name}", result=result, at=stage.modified_on, url=release.web_url)


def release_health(raw_releases: Iterable[dict], org_url: str, project: str) -> list[PipelineHealth]:
    """Per release definition: the deployments of the releases created in the period (finished stages)."""
    by_definition: dict[int, tuple[str, str, list[Outcome]]] = {}
    for raw in raw_releases:
        definition = raw.get("releaseDefinition") if isinstance(raw.get("releaseDefinition"), dict) else {}
        key = int(definition.get("id") or 0)
        entry = by_definition.setdefault(key, (str(definition.get("name") or ""), _web(definition), []))
        release = release_from_json(raw)
        entry[2].extend(_deployment(release, s) for s in release.stages if s.status in FINISHED)
    found = []
    for key, (name, web, outcomes) in by_definition.items():
        outcomes.sort(key=lambda o: o.at or datetime.min.replace(tzinfo=UTC), reverse=True)
        found.append(PipelineHealth(
            kind="release", id=key, name=name, last=outcomes[0] if outcomes else None, runs=len(outcomes),
            succeeded=sum(not o.failed for o in outcomes), failures=tuple(o for o in outcomes if o.failed),
            url=web or (f"{org_url}/{project}/_release?definitionId={key}" if org_url else "")))
    return found


async def oldest_pending_approvals(devops: DevOpsClient, truncated: list[str]) -> list[Approval]:
    """The oldest pending release approvals, one page (the approvals command reads them all)."""
    project = devops.project

    def read(c: SdkClients) -> list[object]:
        return c.release.get_approvals(project, status_filter="pending", top=APPROVALS_PAGE,
                                       query_order="ascending") or []

    found = await devops.call(read, idempotent=True, what="list the pending approvals")
    if len(found) >= APPROVALS_PAGE:
        truncated.append("release approvals")
    return [approval_from_model(a) for a in found if not getattr(a, "is_automated", False)]


async def _or_unread(what: str, read: Awaitable[list[T]], unread: list[tuple[str, UserFacingError]]) -> list[T]:
    """The list, or [] with ``what`` noted as not read when Azure DevOps refused or failed (the rest still shows)."""
    try:
        return await read
    except UserFacingError as exc:
        unread.append((what, exc))
        return []


async def read_digest(devops: DevOpsClient, since: datetime, until: datetime) -> Digest:
    """Everything the digest says about Azure DevOps for the period ``since``..``until`` (see the module docstring).
    A list Azure DevOps does not give is left out and named in ``Digest.unread``; when none could be read, the first
    failure is raised (it says what to do, e.g. about the bot's credentials)."""
    truncated: list[str] = []
    unread: list[tuple[str, UserFacingError]] = []
    completed = {"statusFilter": "completed", "queryOrder": "finishTimeDescending", "$top": BUILDS_PAGE}
    latest, period, created, flying, classic, yaml = await asyncio.gather(
        _or_unread("pipeline results", _pages(
            devops, "latest builds", BUILDS_LOCATION, BUILDS_VERSION, "build",
            {**completed, "maxBuildsPerDefinition": 1}, MAX_PAGES["latest builds"], truncated), unread),
        _or_unread("pipeline runs in the period", _pages(
            devops, "builds", BUILDS_LOCATION, BUILDS_VERSION, "build",
            {**completed, "minTime": utc_text(since)}, MAX_PAGES["builds"], truncated), unread),
        _or_unread("releases of the period", _pages(
            devops, "releases", RELEASES_LOCATION, RELEASES_VERSION, "release",
            {"$expand": "environments", "minCreatedTime": utc_text(since), "queryOrder": "descending",
             "$top": RELEASES_PAGE}, MAX_PAGES["releases"], truncated), unread),
        _or_unread("releases in flight", _pages(
            devops, "in flight", RELEASES_LOCATION, RELEASES_VERSION, "release",
            {"$expand": "environments", "statusFilter": "active", "environmentStatusFilter": IN_FLIGHT_BITS,
             "$top": RELEASES_PAGE}, MAX_PAGES["in flight"], truncated), unread),
        _or_unread("release approvals", oldest_pending_approvals(devops, truncated), unread),
        _or_unread("pipeline approvals", pending_run_approvals(devops), unread),
    )
    if len(unread) == 6:
        raise unread[0][1]
    org, project = devops.org_url, devops.project
    pipelines = pipeline_health(latest, period, org, project)
    pipelines.sort(key=lambda p: (-len(p.failures), p.name.lower()))
    release_pipelines = release_health(created, org, project)
    release_pipelines.sort(key=lambda p: (-len(p.failures), p.name.lower()))
    in_flight = [release_from_json(r) for r in flying]
    approvals: list[PendingApproval] = [*classic, *yaml]
    approvals.sort(key=lambda a: (a.created_on is None, a.created_on or until))
    return Digest(project=project, org_url=org, since=since, until=until, pipelines=pipelines,
                  release_pipelines=release_pipelines, in_flight=in_flight, approvals=approvals, truncated=truncated,
                  unread=[f"{what} ({exc.message})" for what, exc in unread])
