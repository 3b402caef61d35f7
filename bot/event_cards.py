"""What a service hook event becomes in its conversation, built only from what Azure DevOps says when asked again:
the event gives ids, never facts (bot/devops_events.py checks who sent it).

* approval pending (classic or YAML): the approval card itself, as ``approvals`` shows it, so the approvers decide
  right there (the same card actions and rules); nothing when it was decided meanwhile;
* deployment completed: stage, release, model version, a link and Redeploy; with ``failures only``, only a
  deployment that did not succeed;
* build completed (a YAML run): pipeline, branch, who pushed, a link; with ``failures only``, only a failed one.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.acting import identity_note_of
from bot.container import Services
from bot.errors import InvalidInput, UserFacingError
from bot.model_checks import model_checks
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.registry import model_version
from bot.services.devops.approvals import read_approval
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.builds import read_build
from bot.services.devops.deployments import read_stage
from bot.services.devops.model import ShippedArtifact
from bot.services.devops.releases import read_release
from bot.services.devops.service_hooks import (
    APPROVAL_PENDING,
    BUILD_COMPLETE,
    DEPLOYMENT_COMPLETED,
    RUN_APPROVAL_PENDING,
)
from bot.services.devops.yaml_approvals import read_run_approval
from bot.store import HookSubscription
from bot.turn import Reply
from cards.approvals import approval_card, run_approval_card
from cards.service_hooks import build_event_card, deployment_event_card

log = logging.getLogger(__name__)

NOT_SUCCEEDED = {"rejected", "failed", "canceled", "partiallySucceeded"}


def _int(value: Any) -> int:
    """A positive id, or 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value if value > 0 else 0
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else 0


def _dig(resource: dict[str, Any], *path: str) -> Any:
    value: Any = resource
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


async def _verdict(services: Services, shipped: tuple[ShippedArtifact, ...]) -> dict[str, Any] | None:
    """The Azure ML model version's check, as the approval card shows it (None without one)."""
    model = next((a for a in shipped if a.is_azure_ml_model and a.model and a.version), None)
    azureml = services.backends.optional(AZURE_ML)
    if model is None or azureml is None:
        return None
    try:
        version = await model_version(azureml, model.model, model.version)
        return await model_checks(services).check(version)
    except UserFacingError as exc:
        log.info("no verdict for the approval card", extra={"reason": exc.message[:120]})
        return None


async def card_for(services: Services, subscription: HookSubscription, event_type: str, resource: dict[str, Any]
                   ) -> Reply | None:
    """The card for the event (read back from Azure DevOps), or None when there is nothing to post."""
    devops = services.client(AZURE_DEVOPS)
    if event_type == APPROVAL_PENDING:
        approval_id = _int(_dig(resource, "approval", "id"))
        release_id = _int(_dig(resource, "approval", "release", "id")) or _int(_dig(resource, "release", "id"))
        if not approval_id or not release_id:
            raise InvalidInput("The event names no approval.")
        approval = await read_approval(devops, release_id, approval_id)
        if not approval.pending:
            return None
        release = await read_release(devops, release_id)
        return Reply(card=approval_card(approval, now=services.clock(), shipped=release.artifacts,
                                        verdict=await _verdict(services, release.artifacts),
                                        identity=identity_note_of(services), started_by=release.created_by))
    if event_type == RUN_APPROVAL_PENDING:
        raw = str(_dig(resource, "approval", "id") or "")
        if not raw or len(raw) > 64:
            raise InvalidInput("The event names no pipeline approval.")
        run_approval = await read_run_approval(devops, raw.lower())
        if not run_approval.pending:
            return None
        return Reply(card=run_approval_card(run_approval, now=services.clock(), identity=identity_note_of(services)))
    if event_type == DEPLOYMENT_COMPLETED:
        release_id = _int(_dig(resource, "release", "id")) or _int(_dig(resource, "environment", "release", "id"))
        stage_id = _int(_dig(resource, "environment", "id"))
        if not release_id or not stage_id:
            raise InvalidInput("The event names no release stage.")
        release = await read_release(devops, release_id)
        run = await read_stage(devops, release_id, stage_id, release.name)
        if not run.ended or (subscription.failures_only and run.status not in NOT_SUCCEEDED):
            return None
        return Reply(card=deployment_event_card(release, run.stage, run.stage_id, run.status, run.attempt,
                                                finished=run.modified_on, now=services.clock()))
    if event_type == BUILD_COMPLETE:
        build_id = _int(resource.get("id"))
        if not build_id:
            raise InvalidInput("The event names no build.")
        build = await read_build(devops, build_id)
        if build.result == "" or (subscription.failures_only and build.result == "succeeded"):
            return None
        return Reply(card=build_event_card(build, now=services.clock()))
    return None
