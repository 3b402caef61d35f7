"""A digest for a period: Azure DevOps read in a few batched calls (bot/services/devops/digest.py), the Azure ML
model versions registered in the period with their stored verdicts (when Azure ML is configured), one card
(cards/digest.py). Used by ``digest now`` and by the scheduler (bot/scheduler.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.container import Services
from bot.conversation import Reply
from bot.errors import UserFacingError
from bot.model_checks import model_checks
from bot.services.azureml.backend import AZURE_ML
from bot.services.azureml.registry import model_versions, registered_models
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.digest import read_digest
from bot.services.devops.model import NewModelVersion
from cards.digest import digest_card

log = logging.getLogger(__name__)


async def new_model_versions(services: Services, since: datetime) -> list[NewModelVersion]:
    """Versions registered since ``since``, newest first, each with its stored verdict (none when not checked yet);
    [] when Azure ML is not configured or cannot be read (the digest goes out without them)."""
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
    checks = model_checks(services)
    verdicts = await asyncio.gather(*(checks.stored(v) for v in versions))
    found = [NewModelVersion(v.name, v.version, v.created_by, v.created_at, verdict)
             for v, verdict in zip(versions, verdicts, strict=True)]
    return sorted(found, key=lambda m: m.created_at or since, reverse=True)


async def digest_reply(services: Services, since: datetime, until: datetime) -> Reply:
    """The digest card for ``since``..``until``."""
    devops = services.client(AZURE_DEVOPS)
    digest, models = await asyncio.gather(read_digest(devops, since, until), new_model_versions(services, since))
    digest.models = models
    return Reply(card=digest_card(digest, now=until))
