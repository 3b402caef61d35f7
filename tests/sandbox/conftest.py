"""Fixtures of the sandbox's own tests: a sandbox per session, reset before each test."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import azureml_fidelity, azureml_fixtures, sandbox_fidelity, sandbox_fixtures
from tests.sandbox.sdk_usage import SDK_CLIENTS

devops_sandbox_server = sandbox_fixtures.devops_sandbox_server
devops_sandbox = sandbox_fixtures.devops_sandbox
exchanges = sandbox_fidelity.exchanges  # autouse: every answer the SDK receives matches the 7.1 specs
azureml_sandbox_server = azureml_fixtures.azureml_sandbox_server
azureml_sandbox = azureml_fixtures.azureml_sandbox
arm_exchanges = azureml_fidelity.arm_exchanges  # autouse: every ARM answer matches azure-ai-ml's REST models


@pytest.fixture
def connection(devops_sandbox):
    return devops_sandbox.connection()


@pytest.fixture
def clients(connection):
    """The v7.1 SDK clients the bot uses, against the sandbox (``clients.git``, ``clients.endpoints``, ...)."""
    factory = connection.clients_v7_1
    return SimpleNamespace(**{name: getattr(factory, make)() for name, make in SDK_CLIENTS.items()})
