"""Link unfurling: a release, pipeline run (build) or repository link of the configured organization, pasted in
Teams' compose box, becomes its card (the ``composeExtension/queryLink`` invoke; the manifest's messageHandlers
register the domains, deploy/teams/package.py).

Teams sends ``{"url": ...}`` and takes the first attachment of a ``result``: the card (``content``) and the
``preview`` it shows in the compose box (msteams-docs messaging-extensions/how-to/link-unfurling: "The response
from a bot must include a `preview` property"). What the bot reads is Azure DevOps' own answer, never the pasted
text (it may carry credentials); the card's link is the one the service names. Buttons that need the bot's own
message (Action.Execute) are left out: the card travels as the person's message, maybe where the bot is not.

- another organization, host or project, or a link of another kind: a result without attachments (no_card()), so
  Teams shows the link as it would without the bot;
- an expected failure (not found, not allowed, Azure DevOps down or not configured): a small card saying so;
- an unexpected one: the apology card with its reference, logged with the same id; never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.authorization import authorize
from bot.errors import NotFound, UserFacingError
from bot.invoke_answers import ADAPTIVE_CARD, InvokeAnswer, no_card
from bot.links import DevOpsLink, parse_devops_link
from bot.logging_setup import current_correlation_id
from bot.model_checks import Verdicts, check_shipped, shipped_models
from bot.policy import Role
from bot.redaction import scrub_json
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.builds import read_build
from bot.services.devops.client import DevOpsClient
from bot.services.devops.releases import read_release
from bot.services.devops.repositories import find_repository
from bot.services.devops.yaml_approvals import pending_run_approvals
from bot.turn import Reply, Turn
from cards.errors import apology_card, error_card
from cards.releases import release_card, stage_words
from cards.repos import repo_card
from cards.unfurl import build_words, preview, problem_preview, run_card, without_bot_buttons

log = logging.getLogger(__name__)

QUERY_LINK = "composeExtension/queryLink"
ACTION = "unfurl"


def _answer(card: dict[str, Any], shown: dict[str, Any]) -> InvokeAnswer:
    attachment = {"contentType": ADAPTIVE_CARD, "content": scrub_json(without_bot_buttons(card)),
                  "preview": scrub_json(shown)}
    return InvokeAnswer(200, {"composeExtension": {"type": "result", "attachmentLayout": "list",
                                                   "attachments": [attachment]}})


async def _release(turn: Turn, devops: DevOpsClient, link: DevOpsLink) -> InvokeAnswer:
    services = turn.services
    release = await read_release(devops, link.id)
    verdicts: Verdicts = {}
    shipped = shipped_models(release)

    def render() -> Reply:
        return Reply(card=release_card(release, now=services.clock(), verdicts=dict(verdicts)))

    if shipped:  # the verdicts ready within the first answer; a longer check goes on, for the next time
        work = services.background.start(f"unfurl release {link.id}", check_shipped(services, shipped, verdicts))
        await services.pacing.first_answer(work, render, services.pacing.answer_within_s)
    card = render().card or {}
    stages = " · ".join(stage_words(s) for s in release.stages) or "no stages"
    return _answer(card, preview(f"{release.name} · {release.definition}", f"{release.status} · {stages}"))


async def _run(turn: Turn, devops: DevOpsClient, link: DevOpsLink) -> InvokeAnswer:
    build, pending = await asyncio.gather(read_build(devops, link.id), pending_run_approvals(devops))
    waiting = [a for a in pending if a.run_id == build.id]
    return _answer(run_card(build, now=turn.services.clock(), waiting=waiting),
                   preview(f"{build.pipeline} · run {build.number}", build_words(build, waiting)))


async def _repository(turn: Turn, devops: DevOpsClient, link: DevOpsLink) -> InvokeAnswer:
    repo = await find_repository(devops, link.repository)
    if repo is None:
        raise NotFound(f"There is no repository called '{link.repository[:100]}' in {devops.project}.",
                       next_step="Check the link; the repository may have been renamed or deleted.")
    return _answer(repo_card(repo, repo.name), preview(repo.name, f"Git repository in {devops.project}"))


READERS = {"release": _release, "run": _run, "repository": _repository}


async def unfurl(turn: Turn, value: Any) -> InvokeAnswer:
    """The answer to a ``composeExtension/queryLink`` invoke (never raises)."""
    services = turn.services
    url = value.get("url") if isinstance(value, dict) else None
    link = parse_devops_link(url, services.settings.devops_org_url)
    if link is None or link.project.lower() != services.settings.devops_project.lower():
        log.info("link not unfurled: not the organization's release, run or repository",
                 extra={"recognised": link.kind if link else ""})
        return InvokeAnswer(200, no_card())
    target = f"{link.kind} {link.id or link.repository}"[:200]
    try:
        await authorize(turn, Role.MEMBER, what="see Azure DevOps links as cards", action=ACTION, target=target)
        answer = await READERS[link.kind](turn, services.client(AZURE_DEVOPS), link)
    except UserFacingError as exc:
        log.info("link not unfurled", extra={"kind": link.kind, "reason": exc.kind})
        return _answer(error_card(exc.title, exc.message, exc.next_step), problem_preview(exc.title,
                                                                                          services.bot_name))
    except Exception:  # an invoke must still answer: the apology with its reference, the cause in the log
        log.exception("unfurling a link failed", extra={"kind": link.kind})
        return _answer(apology_card(current_correlation_id()), problem_preview("Something went wrong",
                                                                               services.bot_name))
    log.info("link unfurled", extra={"kind": link.kind})
    return answer
