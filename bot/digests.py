"""A digest for a period: Azure DevOps read in a few batched calls (bot/services/devops/digest.py), the Azure ML
model versions registered in the period with their stored verdicts (when Azure ML is configured), one card
(cards/digest.py). Used by ``digest now`` and by the scheduler (bot/scheduler.py)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime

from bot.container import Services
from bot.conversation import Reply
from bot.errors import UserFacingError
from bot.model_checks import model_checks
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.model import ModelVersion
from bot.services.azureml.registry import model_versions, registered_models
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.digest import read_digest
from bot.services.devops.model import NewModelVersion
from cards.digest import digest_card

log = logging.getLogger(__name__)

MAX_CHECKS = 3  # the newest versions not checked yet are checked for the digest (each in its own process)
CHECK_WAIT_S = 60.0  # how long a digest waits for them; a check still running then shows as "being checked"


async def new_model_versions(services: Services, since: datetime) -> list[NewModelVersion]:
    """Versions registered since ``since``, newest first, each with its verdict: stored, or checked now for the
    ``MAX_CHECKS`` newest (waiting ``CHECK_WAIT_S`` at most); [] when Azure ML is not configured or cannot be read
    (the digest goes out without them)."""
    azureml = services.backends.optional(AZURE_ML)
    if azureml is None:
        return []
    try:
        models = await registered_models(azureml)
        fresh = [m for m in models if m.latest.created_at is not None and m.latest.created_at >= since]
        versions = [v for found in await asyncio.gather(*(model_versions(azureml, m.name) for m in fresh))
                    for v in found if v.created_at is not None and v.created_at >= since]
    except UserFacingError as exc:
        log.warning("digest: Azure ML could not be read; model versions left out", extra={"reason": str(exc)[:200]})
        return []
    versions.sort(key=lambda v: v.created_at or since, reverse=True)
    checks = model_checks(services)

    async def verdict(version: ModelVersion, check: bool) -> NewModelVersion:
        found = NewModelVersion(version.name, version.version, version.created_by, version.created_at,
                                await checks.stored(version))
        if found.verdict is not None or not check:
            return found
        try:  # shielded: a check that outlasts the wait goes on, and its result is kept for later
            return replace(found, verdict=await asyncio.wait_for(asyncio.shield(checks.check(version)), CHECK_WAIT_S))
        except TimeoutError:
            return replace(found, checking=True)

    return list(await asyncio.gather(*(verdict(v, i < MAX_CHECKS) for i, v in enumerate(versions))))


async def digest_reply(services: Services, since: datetime, until: datetime) -> Reply:
    """The digest card for ``since``..``until``."""
    devops = services.client(AZURE_DEVOPS)
    digest, models = await asyncio.gather(read_digest(devops, since, until), new_model_versions(services, since))
    digest.models = models
    return Reply(card=digest_card(digest, now=until))
