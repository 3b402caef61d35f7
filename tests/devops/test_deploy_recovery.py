"""A confirmed redeploy survives a crash: the bot is killed (SIGKILL) after Azure DevOps received the stage's PATCH
but before the bot saw its answer; started again, it finds the new attempt, does not send the PATCH again, and its
card follows the stage to the end."""

from __future__ import annotations

from tests.devops import test_crash_recovery
from tests.devops.test_crash_recovery import crash_during_confirm, text_of, until
from tests.harness.connector import updates_of

bot_process = test_crash_recovery.bot_process  # the bot as its own process, to be killed for real


def stage_patches(devops_sandbox, since: int) -> list[dict]:
    return [r for r in devops_sandbox.requests(since) if r["method"] == "PATCH" and "/environments/" in r["path"]]


def dev_of_release_2(devops_sandbox):
    release = devops_sandbox.connection().clients_v7_1.get_release_client().get_release(devops_sandbox.project, 2)
    return next(e for e in release.environments if e.name == "Dev")


async def test_killed_after_azure_devops_received_the_start(bot_process, connector, devops_sandbox):
    async def took_effect() -> None:
        await until(lambda: dev_of_release_2(devops_sandbox).deploy_steps[-1].attempt == 2,
                    "the held PATCH took effect")

    card_id, since = await crash_during_confirm(
        bot_process, connector, devops_sandbox, "redeploy 2 Dev",
        {"method": "PATCH", "path_regex": "/environments/", "delay_ms": 1500}, before_restart=took_effect)
    await until(lambda: any("Finished after the bot restarted" in text_of(c) for c in updates_of(connector, card_id)),
                "the card shows the resumed deployment")
    devops_sandbox.advance_clock(70)
    await until(lambda: any("✅ Dev of Release-2 succeeded" in text_of(c) for c in updates_of(connector, card_id)),
                "the card follows the stage to the end", bound=1200)
    assert len(stage_patches(devops_sandbox, since)) == 1  # not sent again after the restart
    assert dev_of_release_2(devops_sandbox).deploy_steps[-1].attempt == 2
