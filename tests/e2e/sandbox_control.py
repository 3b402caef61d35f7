"""The sandbox's control API from an e2e test (the sandbox runs as its own process): reset, faults, seeded changes."""

from __future__ import annotations

import base64
import json
import urllib.request


def control(settings: dict[str, str], path: str, body: dict | None = None, method: str = "POST") -> object:
    """``method`` ``path`` of the control API with ``body`` (POST: ``{}`` when None); the parsed answer."""
    auth = base64.b64encode(f":{settings['AZURE_DEVOPS_PAT']}".encode()).decode()
    data = json.dumps(body or {}).encode() if method == "POST" else None
    request = urllib.request.Request(f"{settings['SANDBOX_CONTROL_URL']}/{path}", data=data, method=method,
                                     headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")
