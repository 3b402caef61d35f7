"""Fixtures for the Azure ML commands: the session's sandbox (Azure DevOps + Azure ML over HTTPS + Azurite) and
the bot pointed at both, as settings alone would point it at Azure.

    async def test_something(ml_bot, azureml_sandbox):
        card = await ml_bot.ask("models")

Every ARM answer the bot's SDK calls receive is checked against azure-ai-ml's generated REST models, every Azure
DevOps answer against the official 7.1 specs.
"""

from __future__ import annotations

import pytest

from tests import azureml_fidelity, azureml_fixtures, azurite_fixtures, sandbox_fidelity, sandbox_fixtures

devops_sandbox_server = sandbox_fixtures.devops_sandbox_server
azureml_sandbox_server = azureml_fixtures.azureml_sandbox_server
azureml_sandbox = azureml_fixtures.azureml_sandbox
azurite_blob = azurite_fixtures.azurite_blob  # the Blob store's Azurite (tests/azureml/test_several_instances.py)
arm_exchanges = azureml_fidelity.arm_exchanges  # autouse
exchanges = sandbox_fidelity.exchanges  # autouse: every Azure DevOps answer the bot's SDK calls receive matches 7.1


def services_of(teams):
    from app import RUNTIME

    return teams.http.app[RUNTIME].services


@pytest.fixture
async def ml_bot(make_bot, azureml_sandbox):
    """The bot with every setting the sandbox prints except per-user sign-in (decisions with the bot's identity;
    tests/azureml/test_sign_in.py has the bot with it); model checks wait for their result before the card goes
    out (tests that want the progress card set ``pacing``)."""
    return await make_bot(**{**azureml_sandbox.env, "OAUTH_CONNECTION_NAME": ""}, BOT_ADMINS="")
