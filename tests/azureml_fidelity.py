"""Fidelity check for any test folder that uses the sandbox's Azure ML: every ARM answer an Azure SDK gets is validated.

Activate it from a conftest.py::

    from tests import azureml_fidelity
    arm_exchanges = azureml_fidelity.arm_exchanges   # autouse: records, then validates after each test

While a test runs, every answer that azure-core's requests transport receives from an ARM endpoint of a sandbox
(``https://127.0.0.1:PORT/subscriptions/...``; azure-ai-ml's MLClient, on any thread) is recorded; after the test
each one must match azure-ai-ml's own generated REST model for its method and path (``tests/sandbox/arm_contract.py``):
no unknown field, no required field missing, every value of its type; an error answer must be an ErrorResponse.
An answer with no contract fails too, so a new call cannot go unchecked.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit

import pytest


def _is_arm(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.hostname == "127.0.0.1" and parts.path.lower().startswith(
        "/subscriptions/")


@pytest.fixture(autouse=True)
def arm_exchanges():
    """Every ARM answer an Azure SDK receives in a test; after the test, each must match its generated model."""
    from azure.core.pipeline.transport import RequestsTransport

    from tests.sandbox.arm_contract import ArmExchange, violations

    seen: list[ArmExchange] = []
    problems: list[str] = []
    lock = threading.Lock()
    original = RequestsTransport.send

    def send(self, request, **kwargs):
        response = original(self, request, **kwargs)
        if _is_arm(request.url):
            raw = response.internal_response.content
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                with lock:
                    problems.append(f"{request.method} {request.url}: a {response.status_code} answer that is not "
                                    "JSON")
                return response
            with lock:
                seen.append(ArmExchange(request.method, request.url, response.status_code, body))
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RequestsTransport, "send", send)
        yield seen
    with lock:
        recorded, found = list(seen), list(problems)
    for exchange in recorded:
        found.extend(violations(exchange))
    assert not found, "ARM answers that do not match azure-ai-ml's REST models:\n" + "\n".join(found)
