"""pipelines: the newest runs of the project's YAML pipelines, each with its state or result at a glance, when,
the environment approvals it waits for, and a link to the run."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.router import Args, card_action, command
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.model import RunApproval
from bot.services.devops.pipelines import recent_runs
from bot.services.devops.yaml_approvals import pending_run_approvals
from bot.turn import Reply, Turn
from cards import verbs
from cards.pipelines import pipelines_card

AREA = "Releases"


async def _pipelines_reply(turn: Turn) -> Reply:
    devops = turn.services.client(AZURE_DEVOPS)
    runs, pending = await asyncio.gather(recent_runs(devops), pending_run_approvals(devops))
    waiting: dict[int, list[RunApproval]] = {}
    for approval in pending:
        waiting.setdefault(approval.run_id, []).append(approval)
    runs = [replace(r, waiting=tuple(waiting.get(r.id, ()))) for r in runs]
    return Reply(card=pipelines_card(devops.project, runs, now=turn.services.clock()))


@command("pipelines", area=AREA, usage="pipelines", examples=["pipelines"])
async def handle_pipelines(turn: Turn, args: Args) -> Reply:
    """Lists the newest YAML pipeline runs with each one's status at a glance (and who an approval waits for)."""
    return await _pipelines_reply(turn)


@card_action(verbs.PIPELINES_LIST)
async def handle_pipelines_button(turn: Turn, data: dict) -> Reply:
    """Lists the newest YAML pipeline runs again."""
    return await _pipelines_reply(turn)
