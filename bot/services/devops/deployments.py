"""Deploying one stage of a classic release by hand: which stage, whether it may be deployed or redeployed now,
starting it (sent once), and reading how it stands.

A stage is started with ``update_release_environment`` and ``{"status": "inProgress"}``: a stage that never ran
(notStarted, scheduled) is *deployed*, one that ran and ended (succeeded, partiallySucceeded, rejected, canceled) is
*redeployed* (a new attempt). The start is sent once: after a failed PATCH the stage is read, and a new attempt
(or a stage now queued or running) means the PATCH took effect. Azure DevOps has no "failed" stage status: a failed
deployment leaves the stage ``rejected`` with its attempt ``failed``; a rejected approval leaves the attempt
``notDeployed``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import Approval, Release, Stage
from bot.services.devops.releases import approval_from_model

NEVER_RAN = frozenset({"notStarted", "scheduled"})
ENDED = frozenset({"succeeded", "partiallySucceeded", "rejected", "canceled"})
RUNNING = frozenset({"queued", "inProgress"})
PERMISSION = "Manage deployments"


@dataclass(frozen=True)
class StageRun:
    """A stage of a release and its newest deployment attempt, as it stands now."""

    release_id: int
    release_name: str
    stage_id: int
    stage: str
    status: str  # the stage's: notStarted | queued | inProgress | succeeded | rejected | canceled | ...
    attempt: int = 0  # the newest attempt's number; 0 = never deployed
    deployment: str = ""  # that attempt's: notDeployed | inProgress | succeeded | partiallySucceeded | failed
    queued_on: datetime | None = None
    started_on: datetime | None = None  # when its deployment job started (after any approval)
    modified_on: datetime | None = None
    waiting: tuple[Approval, ...] = ()  # the attempt's pending pre-deployment approvals
    decided: tuple[Approval, ...] = ()  # the attempt's decided ones (a rejection says who)
    # False when the stage's approvals refuse whoever requested the deployment ("the user requesting a release or
    # deployment should not approve it", releaseCreatorCanBeApprover): Azure DevOps answers VS402923
    requester_may_approve: bool = True

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def outcome(self) -> str:
        """succeeded | partiallySucceeded | failed | rejected (an approver said no) | canceled | "" (not ended)."""
        if not self.ended:
            return ""
        if self.status == "rejected":
            return "failed" if self.deployment == "failed" else "rejected"
        return self.status

    @property
    def duration_s(self) -> float | None:
        """From the attempt being queued to the stage ending (waiting for approvals included)."""
        if not self.ended or self.queued_on is None or self.modified_on is None:
            return None
        return max(0.0, (self.modified_on - self.queued_on).total_seconds())


def release_number(value: str) -> int | None:
    """``3``, ``Release-3`` or ``#3`` as 3; None when it is none of those."""
    digits = value.strip().lower().removeprefix("release-").removeprefix("release").removeprefix("#").strip()
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


def find_stage(release: Release, name: str) -> Stage:
    """The release's stage called ``name`` (any case); NotFound lists its stages."""
    wanted = " ".join(name.split()).lower()
    found = next((s for s in release.stages if s.name.lower() == wanted), None)
    if found is None:
        names = ", ".join(s.name for s in release.stages) or "none"
        raise NotFound(f"{release.name} has no stage called '{name[:60]}'. Its stages: {names}.",
                       next_step=f"Type the stage's name as listed, e.g. deploy {release.id} "
                       f"{release.stages[-1].name if release.stages else '<stage>'}.")
    return found


def deploy_problem(run: StageRun, *, redeploy: bool, release_status: str = "active") -> tuple[str, str, str] | None:
    """Why ``deploy`` (or ``redeploy``) cannot start this stage now: (title, message, what to type instead); None
    when it can. Only an active release deploys (not a draft, not an abandoned one: VS402935)."""
    where = f"{run.stage} of {run.release_name}"
    if release_status and release_status != "active":
        return ("Release not active", f"{run.release_name} is {release_status}: only an active release can be "
                "deployed.", "Type releases to find an active release, or create a new release in Azure DevOps.")
    if run.running:
        now = f"waits for {', '.join(a.approver for a in run.waiting)}" if run.waiting else (
            "is queued" if run.status == "queued" else "is being deployed")
        see = f"Type release {run.release_id} to see how it stands" + (
            ", or approvals to decide what it waits for." if run.waiting else ".")
        return ("Already running", f"{where} {now} right now: it cannot be started again until it ends.", see)
    if redeploy and run.status in NEVER_RAN:
        return ("Use deploy", f"{where} has never been deployed, so there is nothing to redeploy.",
                f"Type deploy {run.release_id} {run.stage} to deploy it.")
    if not redeploy and run.status in ENDED:
        return ("Use redeploy", f"{where} has run already ({run.outcome}).",
                f"Type redeploy {run.release_id} {run.stage} to deploy it again.")
    if run.status not in NEVER_RAN | ENDED:
        return ("Cannot deploy now", f"{where} cannot be deployed while its status is '{run.status or 'unknown'}'.",
                f"Type release {run.release_id} to see how it stands.")
    return None


def _approvals_of(environment: Any, attempt: int, release_id: int, release_name: str, stage: str,
                  definition: str) -> tuple[list[Approval], list[Approval]]:
    waiting, decided = [], []
    for raw in getattr(environment, "pre_deploy_approvals", None) or []:
        if getattr(raw, "is_automated", False) or (attempt and (getattr(raw, "attempt", 0) or 0) != attempt):
            continue
        approval = approval_from_model(raw)
        approval = replace(approval, release_id=approval.release_id or release_id,
                           release_name=approval.release_name or release_name, stage=approval.stage or stage,
                           definition=approval.definition or definition)
        (waiting if approval.pending else decided).append(approval)
    return waiting, decided


def stage_run_from_model(environment: Any, release_id: int = 0, release_name: str = "") -> StageRun:
    steps = sorted(getattr(environment, "deploy_steps", None) or [], key=lambda s: getattr(s, "attempt", 0) or 0)
    last = steps[-1] if steps else None
    phases = [p for p in (getattr(last, "release_deploy_phases", None) or []) if getattr(p, "started_on", None)]
    release = getattr(environment, "release", None)
    release_id = int(getattr(environment, "release_id", 0) or getattr(release, "id", 0) or release_id)
    release_name = str(getattr(release, "name", "") or release_name)
    name = str(getattr(environment, "name", "") or "")
    attempt = int(getattr(last, "attempt", 0) or 0)
    definition = str(getattr(getattr(environment, "release_definition", None), "name", "") or "")
    waiting, decided = _approvals_of(environment, attempt, release_id, release_name, name, definition)
    options = getattr(getattr(environment, "pre_approvals_snapshot", None), "approval_options", None)
    return StageRun(
        release_id=release_id, release_name=release_name, stage_id=int(getattr(environment, "id", 0) or 0),
        stage=name, status=str(getattr(environment, "status", "") or ""), attempt=attempt,
        deployment=str(getattr(last, "status", "") or ""), queued_on=getattr(last, "queued_on", None),
        started_on=min((p.started_on for p in phases), default=None),
        modified_on=getattr(last, "last_modified_on", None) or getattr(environment, "modified_on", None),
        waiting=tuple(waiting), decided=tuple(decided),
        requester_may_approve=getattr(options, "release_creator_can_be_approver", None) is not False)


async def read_stage(devops: DevOpsClient, release_id: int, stage_id: int, release_name: str = "") -> StageRun:
    """The stage as it is now, with its newest attempt and that attempt's approvals."""
    project = devops.project
    found = await devops.call(lambda c: c.release.get_release_environment(project, release_id, stage_id),
                              idempotent=True, what=f"read the stage of release {release_id}")
    return stage_run_from_model(found, release_id, release_name)


def _took_effect(before: StageRun, now: StageRun) -> bool:
    return now.attempt > before.attempt or (now.running and not before.running)


def not_permitted(definition: str, person: str = "") -> NotAllowed:
    """Refused by Azure DevOps (403): the permission it takes, for the identity that asked (a person signed in, or
    the bot's own)."""
    if person:
        return NotAllowed(
            f"Azure DevOps does not let {person} deploy stages of {definition or 'this release pipeline'}: it "
            f"needs the \u201c{PERMISSION}\u201d permission.",
            next_step=f"A project administrator gives you \u201c{PERMISSION}\u201d on the release pipeline "
            "(Pipelines → Releases → … → Security), or someone who has it deploys the stage.")
    return NotAllowed(
        f"Azure DevOps does not let the bot's identity deploy stages of {definition or 'this release pipeline'}: "
        f"it needs the \u201c{PERMISSION}\u201d permission.",
        next_step=f"A project administrator gives the identity the bot uses in Azure DevOps (the owner of "
        f"AZURE_DEVOPS_PAT, or the Entra app AZURE_CLIENT_ID / the bot's managed identity) \u201c{PERMISSION}\u201d "
        "on the release pipeline (Pipelines → Releases → … → Security), or deploys the stage in the portal.")


async def start_stage(devops: DevOpsClient, before: StageRun, comment: str, definition: str = "") -> StageRun:
    """Deploys or redeploys the stage ``before`` describes (Azure DevOps tells which by its status); sent once (a
    failed PATCH is followed by a read of the stage before anything is sent again). Refused (403): NotAllowed naming
    the permission; a transition Azure DevOps refuses (400 VS402964, the stage moved meanwhile): InvalidInput."""
    from azure.devops.v7_1.release.models import ReleaseEnvironmentUpdateMetadata

    project = devops.project
    update = ReleaseEnvironmentUpdateMetadata(status="inProgress", comment=comment[:500])

    async def verify() -> StageRun | None:
        now = await read_stage(devops, before.release_id, before.stage_id, before.release_name)
        return now if _took_effect(before, now) else None

    try:
        answer = await devops.call(
            lambda c: c.release.update_release_environment(update, project, before.release_id, before.stage_id),
            idempotent=False, verify=verify, what=f"start {before.stage} of {before.release_name}")
    except NotAllowed as exc:
        if exc.answer.status == 403:
            raise not_permitted(definition, devops.person) from None
        raise
    except InvalidInput as exc:
        if "VS402964" not in exc.message:
            raise
        now = await read_stage(devops, before.release_id, before.stage_id, before.release_name)
        raise InvalidInput(f"Azure DevOps would not start {before.stage} of {before.release_name}: it is "
                           f"{now.status} now.", next_step=f"Type release {before.release_id} to see how it stands."
                           ) from None
    return answer if isinstance(answer, StageRun) else stage_run_from_model(answer, before.release_id,
                                                                           before.release_name)
