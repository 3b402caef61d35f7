"""Reusable pytest fixtures for the local Azure DevOps sandbox.

Use from any test folder's conftest.py::

    from tests.sandbox_fixtures import devops_sandbox, devops_sandbox_server  # noqa: F401

``devops_sandbox_server`` (session scope) starts one sandbox in-process on free loopback ports;
``devops_sandbox`` (function scope) resets it to the seed before each test and yields a
:class:`DevOpsSandbox` handle. Everything goes through HTTP, as the bot's own calls do.

AZURE_DEVOPS_CACHE_DIR is pointed at a temporary directory on import, before azure.devops is
imported, so the SDK's on-disk location cache never leaks between runs.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("AZURE_DEVOPS_CACHE_DIR", tempfile.mkdtemp(prefix="azdo-cache-"))

_REPO_ROOT = Path(__file__).resolve().parents[1]
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

from sandbox.embedded import SandboxThread  # noqa: E402


class ControlError(RuntimeError):
    """The control API refused a call."""


@dataclass
class DevOpsSandbox:
    """A running sandbox, seen from a test: its settings and its control API."""

    org_url: str
    pat: str
    control_url: str
    env: dict[str, str]
    project: str = "College"
    team: str = "College Team"
    _timeout: float = field(default=10.0, repr=False)
    _pats: dict[str, str] = field(default_factory=dict, repr=False)

    # ---- control API ----------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.control_url}/{path.lstrip('/')}", data=data, method=method,
            headers={"Authorization": "Basic " + base64.b64encode(f":{self.pat}".encode()).decode(),
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise ControlError(f"{method} {path}: {exc.code} {exc.read().decode(errors='replace')}") from None

    def reset(self, page_size: int | None = None) -> None:
        """Back to the seed (clock at wall time, no faults). ``page_size`` caps every list page."""
        self._call("POST", "reset", {"page_size": page_size} if page_size else {})

    def add_fault(self, *, path_regex: str = ".*", method: str = "*", status: int | None = None,
                  retry_after: int | None = None, delay_ms: int = 0, count: int | None = None,
                  drop: bool = False, phase: str = "before") -> dict:
        spec = {"method": method, "path_regex": path_regex, "delay_ms": delay_ms, "drop": drop, "phase": phase}
        for key, value in (("status", status), ("retry_after", retry_after), ("count", count)):
            if value is not None:
                spec[key] = value
        return self._call("POST", "faults", spec)

    def clear_faults(self) -> int:
        return self._call("DELETE", "faults")["removed"]

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")

    def requests(self, since: int = 0) -> list[dict]:
        """Azure DevOps calls answered after ``since``: [{seq, method, host, origin, path, query, status, ms}]."""
        return self._call("GET", f"requests?since={since}")

    def last_seq(self) -> int:
        entries = self.requests(0)
        return entries[-1]["seq"] if entries else 0

    def advance_clock(self, seconds: float) -> str:
        return self._call("POST", "clock", {"advance_s": seconds})["now"]

    def info(self) -> dict:
        return self._call("GET", "")

    def pat_of(self, person: str) -> str:
        """The PAT of a seeded person (``"carol"``): calls made with it are that person's."""
        if not self._pats:
            self._pats = {key: entry["pat"] for key, entry in self._call("GET", "pats").items()}
        return self._pats[person]

    def connection_as(self, person: str):
        """An azure-devops SDK Connection that calls as ``person`` (a key of college_team.json)."""
        return self.connection(self.pat_of(person))

    def deploy_outcome(self, release_id: int, stage: str, outcome: str = "failed") -> dict:
        """How the stage's next (or running) deployment ends: ``failed`` or ``succeeded``."""
        return self._call("POST", "deploy_outcome", {"release_id": release_id, "stage": stage, "outcome": outcome})

    def pending_approval(self, approver: str, **where: object) -> dict:
        """One more pending approval for ``approver``: ``release_id=, stage=`` (classic) or ``run_id=,
        environment=`` (YAML)."""
        return self._call("POST", "pending_approval", {**where, "approver": approver})

    def seed(self, pipelines: int = 0, release_definitions: int = 0, runs_per_pipeline: int = 0) -> dict:
        """Adds a scale seed (sandbox/state/scale.py) to the world."""
        return self._call("POST", "seed", {"pipelines": pipelines, "release_definitions": release_definitions,
                                           "runs_per_pipeline": runs_per_pipeline})

    # ---- token service (per-user sign-in) -----------------------------------------------------
    @property
    def oauth_url(self) -> str:
        """The token service's base URL (botbuilder's ``OAUTH_URL``)."""
        return self.env["OAUTH_URL"]

    @property
    def oauth_connection(self) -> str:
        return self.env["OAUTH_CONNECTION_NAME"]

    def sign_in(self, person: str, *, connection: str | None = None, user_id: str | None = None) -> dict:
        """Signs a seeded person in, as the sign-in page and magic code would; their session (``token``: their
        Azure DevOps user token). ``user_id`` (the Teams ``from.id``) defaults to the person's own."""
        body = {"person": person, **({"connection": connection} if connection else {}),
                **({"user_id": user_id} if user_id else {})}
        return self._call("POST", "signin", body)

    def sign_out(self, person: str | None = None, *, user_id: str | None = None) -> int:
        """Ends sign-ins (everyone's without arguments); how many ended."""
        body = {key: value for key, value in (("person", person), ("user_id", user_id)) if value}
        return self._call("POST", "signout", body)["signed_out"]

    def signed_in(self) -> list[dict]:
        return self._call("GET", "signin")

    # ---- convenience ------------------------------------------------------------------------
    def connection(self, pat: str | None = None):
        """An azure-devops SDK Connection to this sandbox."""
        from azure.devops.connection import Connection
        from msrest.authentication import BasicAuthentication

        return Connection(base_url=self.org_url, creds=BasicAuthentication("", pat or self.pat))


@pytest.fixture(scope="session")
def devops_sandbox_server():
    runner = SandboxThread()
    sandbox = runner.start()
    handle = DevOpsSandbox(org_url=sandbox.org_url, pat=sandbox.pat, control_url=sandbox.control_url,
                           env=sandbox.env(), project=sandbox.project_name, team=sandbox.team_name)
    yield handle
    runner.stop()


@pytest.fixture
def devops_sandbox(devops_sandbox_server):
    devops_sandbox_server.reset()
    yield devops_sandbox_server
