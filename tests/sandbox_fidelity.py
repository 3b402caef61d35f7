"""Fidelity check for any test folder that uses the sandbox: every answer the SDK receives is validated.

Activate it from a conftest.py::

    from tests import sandbox_fidelity
    exchanges = sandbox_fidelity.exchanges   # autouse: records, then validates after each test

While a test runs, every successful answer that reaches the azure-devops SDK (``Client._send_request``, so the
typed methods and ``client._send`` alike, on any thread) is recorded; after the test each one must match the
definition of the official 7.1 specs that ``tests/sandbox/contract.py`` assigns to its method and path, with the
fields the bot reads required and unknown fields rejected. An answer with no contract fails too, so a new call
cannot go unchecked. Error answers never get here (the SDK raises before returning them).
"""

from __future__ import annotations

import threading

import pytest

# Answers outside the 7.1 REST specs: the SDK's own area lookup.
NOT_IN_SPECS = ("/_apis/resourceareas",)


@pytest.fixture(autouse=True)
def exchanges():
    """Every answer the SDK receives in a test; after the test, each must match its swagger definition."""
    from azure.devops.client import Client

    from tests.sandbox.contract import Exchange, violations

    seen: list[Exchange] = []
    not_json: list[str] = []
    lock = threading.Lock()  # the bot calls the SDK from worker threads
    original = Client._send_request

    def send_request(self, request, headers=None, content=None, media_type=None, **config):
        response = original(self, request, headers=headers, content=content, media_type=media_type, **config)
        body = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                with lock:
                    not_json.append(f"{request.method} {request.url}: a {response.status_code} answer that is "
                                    f"not JSON ({response.headers.get('Content-Type')})")
        with lock:
            seen.append(Exchange(request.method, request.url, response.status_code, body))
        return response

    with pytest.MonkeyPatch.context() as patch:  # its own, so undoing it touches no other fixture's patches
        patch.setattr(Client, "_send_request", send_request)
        yield seen
    # undone: calls still running on the bot's threads after the test no longer count
    with lock:
        recorded = list(seen)
        problems = list(not_json)
    for exchange in recorded:
        if exchange.method == "OPTIONS" or exchange.body is None:
            continue
        if exchange.path.lower().endswith(NOT_IN_SPECS):
            continue
        problems.extend(violations(exchange))
    assert not problems, "answers that do not match the official 7.1 specs:\n" + "\n".join(problems)
