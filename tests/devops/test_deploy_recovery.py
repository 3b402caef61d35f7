"""A confirmed redeploy survives a crash: the bot is killed (SIGKILL) after Azure DevOps received the stage's PATCH
but before the bot saw its answer; started again, it finds the new attempt, does not send the PATCH again, and its
card follows the stage to the end."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp

from cards import verbs
from tests.devops import test_crash_recovery
from tests.devops.test_crash_recovery import held, text_of, until, updates_of
from tests.harness.cards import card_actions
from tests.harness.teams import TeamsClient

bot_process = test_crash_recovery.bot_process  # the bot as its own process, to be killed for real


def stage_patches(devops_sandbox, since: int) -> list[dict]:
    return [r for r in devops_sandbox.requests(since) if r["method"] == "PATCH" and "/environments/" in r["path"]]


def dev_of_release_2(devops_sandbox):
    release = devops_sandbox.connection().clients_v7_1.get_release_client().get_release(devops_sandbox.project, 2)
    return next(e for e in release.environments if e.name == "Dev")


async def test_killed_after_azure_devops_received_the_start(bot_process, connector, devops_sandbox):
    url = await bot_process.start()
    async with aiohttp.ClientSession(base_url=url) as http:
        teams = TeamsClient(http, connector, connector.url)
        (message,) = [s for s in await teams.say("redeploy 2 Dev") if s.cards]
        confirm = next(a for a in card_actions(message.card) if a.get("verb") == verbs.CONFIRM)
        since = devops_sandbox.last_seq()
        devops_sandbox.add_fault(method="PATCH", path_regex="/environments/", delay_ms=1500, count=1)
        click = asyncio.ensure_future(teams.click_action(confirm, card_id=message.activity_id))
        await until(lambda: held(devops_sandbox), "the PATCH was held")
        bot_process.kill()
        with contextlib.suppress(aiohttp.ClientError, AssertionError):
            await click
    await until(lambda: dev_of_release_2(devops_sandbox).deploy_steps[-1].attempt == 2, "the held PATCH took effect")
    await bot_process.start()
    card_id = message.activity_id
    await until(lambda: any("Finished after the bot restarted" in text_of(c) for c in updates_of(connector, card_id)),
                "the card shows the resumed deployment")
    devops_sandbox.advance_clock(70)
    await until(lambda: any("✅ Dev of Release-2 succeeded" in text_of(c) for c in updates_of(connector, card_id)),
                "the card follows the stage to the end", bound=1200)
    assert len(stage_patches(devops_sandbox, since)) == 1  # not sent again after the restart
    assert dev_of_release_2(devops_sandbox).deploy_steps[-1].attempt == 2
