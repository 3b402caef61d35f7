"""Fixtures for the Azure DevOps commands: the sandbox (tests/sandbox_fixtures.py) and the bot pointed at it.

    async def test_something(devops_bot, devops_sandbox):
        card = await devops_bot.ask("repos")                 # a TeamsClient (tests/harness/teams.py)
        devops_sandbox.requests(since=...)                   # what reached "Azure DevOps"
        devops_of(devops_bot)                                # the bot's DevOpsClient (e.g. to fake its sleep)

Every answer the bot's SDK calls receive is validated against the official 7.1 specs (tests/sandbox_fidelity.py).

Admins come from Azure DevOps here (BOT_ADMINS is empty): Alice is the College Team's admin, Bob is not.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests import sandbox_fidelity, sandbox_fixtures

devops_sandbox_server = sandbox_fixtures.devops_sandbox_server


@pytest.fixture
def devops_sandbox(devops_sandbox_server):
    """The sandbox reset to its seed, its settings without Azure ML's: these tests are about Azure DevOps
    (tests/azureml configures both)."""
    devops_sandbox_server.reset()
    yield replace(devops_sandbox_server, env={k: v for k, v in devops_sandbox_server.env.items()
                                               if k.startswith(("AZURE_DEVOPS_", "SANDBOX_"))})

exchanges = sandbox_fidelity.exchanges  # autouse: every answer the bot's SDK calls receive matches the 7.1 specs


@pytest.fixture(scope="session", autouse=True)
def _fresh_sdk_location_cache():
    """The SDK caches OPTIONS answers on disk by URL; sandbox ports change between runs, so start clean."""
    from azure.devops._file_cache import OPTIONS_CACHE, RESOURCE_CACHE

    OPTIONS_CACHE.clear()
    RESOURCE_CACHE.clear()


def services_of(teams):
    """The running bot's Services (tests reach into it only to fake time or inspect the client)."""
    from app import RUNTIME

    return teams.http.app[RUNTIME].services


def devops_of(teams):
    """The running bot's Azure DevOps client."""
    from bot.services.devops.backend import AZURE_DEVOPS

    return services_of(teams).client(AZURE_DEVOPS)


class RecordingSleep:
    """A fake sleep for the retry policy: records each wait, waits for nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def devops_bot(make_bot, devops_sandbox):
    """The bot with the sandbox's settings; retries sleep through RecordingSleep (``.sleeps``)."""
    teams = await make_bot(**devops_sandbox.env, BOT_ADMINS="")
    sleep = RecordingSleep()
    devops_of(teams).policy.sleep = sleep
    teams.sleeps = sleep
    return teams
