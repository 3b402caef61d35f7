"""YAML pipelines and their runs: the newest runs across the project's pipelines, with state and result (the SDK's
pipelines client; run id = build id), and the environment approvals each run waits for."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.services.devops.client import DevOpsClient, SdkClients
from bot.services.devops.model import PipelineRun

MAX_PIPELINES = 50
_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp of the service (``Z``, up to seven fractional digits), or a datetime, as UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.replace("Z", "+00:00")))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def run_url(org_url: str, project: str, run_id: int) -> str:
    return f"{org_url}/{project}/_build/results?buildId={run_id}" if org_url and project and run_id else ""


def run_from_model(run: Any, org_url: str = "", project: str = "") -> PipelineRun:
    pipeline = getattr(run, "pipeline", None)
    run_id = int(getattr(run, "id", 0) or 0)
    return PipelineRun(
        id=run_id, name=str(getattr(run, "name", "") or ""), pipeline_id=int(getattr(pipeline, "id", 0) or 0),
        pipeline=str(getattr(pipeline, "name", "") or ""), state=str(getattr(run, "state", "") or ""),
        result=str(getattr(run, "result", "") or ""), created_on=parse_time(getattr(run, "created_date", None)),
        finished_on=parse_time(getattr(run, "finished_date", None)), web_url=run_url(org_url, project, run_id))


async def recent_runs(devops: DevOpsClient, top: int = 10) -> list[PipelineRun]:
    """The newest runs across the project's YAML pipelines (newest first)."""
    project, org = devops.project, devops.org_url

    def read(c: SdkClients) -> list[Any]:
        found: list[Any] = []
        for pipeline in (c.pipelines.list_pipelines(project, top=MAX_PIPELINES) or [])[:MAX_PIPELINES]:
            runs = c.pipelines.list_runs(project, pipeline.id) or []
            for run in runs[:top]:
                if getattr(run, "pipeline", None) is not None and not getattr(run.pipeline, "name", None):
                    run.pipeline.name = pipeline.name  # a run's pipeline reference may come without its name
                found.append(run)
        return found

    runs = [run_from_model(r, org, project) for r in await devops.call(read, idempotent=True,
                                                                        what="list pipeline runs")]
    runs.sort(key=lambda r: (r.created_on is not None, r.created_on, r.id), reverse=True)
    return runs[:top]
