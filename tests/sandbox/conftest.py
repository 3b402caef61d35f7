"""Fixtures of the sandbox's own tests: a sandbox per session, reset before each test."""

from __future__ import annotations

import pytest

from tests import sandbox_fixtures

devops_sandbox_server = sandbox_fixtures.devops_sandbox_server
devops_sandbox = sandbox_fixtures.devops_sandbox


@pytest.fixture
def connection(devops_sandbox):
    return devops_sandbox.connection()


@pytest.fixture
def clients(connection):
    """The v7.1 SDK clients the bot uses, against the sandbox."""
    factory = connection.clients_v7_1

    class Clients:
        core = factory.get_core_client()
        git = factory.get_git_client()
        graph = factory.get_graph_client()
        entitlements = factory.get_member_entitlement_management_client()
        endpoints = factory.get_service_endpoint_client()
        extensions = factory.get_extension_management_client()
        tasks = factory.get_task_agent_client()
        release = factory.get_release_client()

    return Clients
