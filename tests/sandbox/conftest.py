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


_NOT_IN_SPECS = ("/_apis/resourceareas",)


@pytest.fixture(autouse=True)
def exchanges(monkeypatch):
    """Every answer the SDK receives in a test; after the test, each must match its swagger definition."""
    from azure.devops.client import Client

    from tests.sandbox.contract import Exchange, violations

    seen: list[Exchange] = []
    original = Client._send_request

    def send_request(self, request, headers=None, content=None, media_type=None, **config):
        response = original(self, request, headers=headers, content=content, media_type=media_type, **config)
        body = response.json() if response.content else None
        seen.append(Exchange(request.method, request.url, response.status_code, body))
        return response

    monkeypatch.setattr(Client, "_send_request", send_request)
    yield seen
    problems = []
    for exchange in seen:
        if exchange.method == "OPTIONS" or exchange.body is None:
            continue
        if exchange.path.lower().endswith(_NOT_IN_SPECS):
            continue
        problems.extend(violations(exchange))
    assert not problems, "answers that do not match the official 7.1 specs:\n" + "\n".join(problems)
