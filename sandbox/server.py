"""The sandbox server: one loopback origin per Azure DevOps host, and three HTTPS origins for Azure ML (ARM,
Entra ID, blob storage through Azurite), sharing one world, one clock, one fault list and one request log.

Use it from asyncio (``await Sandbox().start()``), from a thread (:mod:`sandbox.embedded`), or
from the command line (``python -m sandbox``).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web

from .areas import handlers_by_host
from .azureml.seed import SeededVersion
from .azureml.service import ORIGINS as AZUREML_ORIGINS
from .azureml.service import AzureML, default_models
from .clock import Clock
from .control import make_control
from .faults import DelayedCalls, FaultInjector
from .hook_delivery import HookDeliveries
from .http.context import Urls
from .http.locations import MAIN, SERVED_HOSTS, UNSERVED, load_catalog
from .http.pipeline import Origin, devops_origin, make_handler
from .http.routing import Router
from .person_pats import owner_key, person_pats
from .request_log import RequestLog
from .state.seed import build_world, college_team
from .tls import LocalCA
from .tokenservice import api as token_api
from .tokenservice.service import TokenService

log = logging.getLogger("sandbox")

LOOPBACK = "127.0.0.1"
DEFAULT_OAUTH_CONNECTION = "AzureDevOps"  # the Azure Bot's OAuth connection name the token service knows
SHUTDOWN_TIMEOUT_S = 2.0  # how long stop() lets an answer being written finish (delayed calls are cancelled)


def new_pat() -> str:
    """A random personal access token, 52 characters like the service's."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "".join(secrets.choice(alphabet) for _ in range(52))


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class Sandbox:
    def __init__(self, *, port: int = 0, pat: str | None = None,
                 models: Callable[[], Sequence[SeededVersion]] = default_models,
                 oauth_connection: str = DEFAULT_OAUTH_CONNECTION) -> None:
        self.pat = pat or new_pat()
        self.requested_port = port
        team = college_team()
        self.organization: str = team["organization"]
        self.project_name: str = team["project"]
        self.team_name: str = team["team"]
        self.process_id = str(uuid.uuid4())
        self.clock = Clock()
        self.faults = FaultInjector()
        self.delays = DelayedCalls()  # calls held by a delay_ms fault right now
        self.request_log = RequestLog()
        self.lock = threading.RLock()
        self.world = build_world(self.clock.now())
        # Which world this is: each reset makes a new one. A call remembers the generation it started in and,
        # if a reset happened since, is dropped (neither applied, answered nor logged): see http/pipeline.py.
        self.generation = 0
        self.pat_owner = self._owner_key()
        self.person_pats = person_pats(self.pat, team["people"])  # {person key: PAT}: call as that person
        self._runners: list[web.AppRunner] = []
        self._sockets: dict[str, socket.socket] = {}
        self.urls: Urls | None = None
        self.folder: Path | None = None  # files clients read while it runs (CA bundle, config.json); removed at stop
        self.ca: LocalCA | None = None
        self.azureml = AzureML(self, models)
        self.tokens = TokenService(self, oauth_connection)
        self.hooks = HookDeliveries(self)  # service hook notifications (sandbox/hook_delivery.py)

    # ---- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        hosts = (*SERVED_HOSTS, UNSERVED)
        self.delays.reopen()
        self._sockets = {host: _bind(self.requested_port if host == MAIN else 0) for host in hosts}
        self.urls = Urls({host: f"http://{LOOPBACK}:{sock.getsockname()[1]}/{self.organization}"
                          for host, sock in self._sockets.items()})
        catalog = load_catalog()
        handlers = handlers_by_host()
        control = make_control(self)
        for host in hosts:
            locations = catalog.for_host(host)
            origin = devops_origin(host, locations, Router(list(locations), handlers.get(host, {})))
            await self._serve(origin, self._sockets[host], control if host == MAIN else None)
        with self.lock:
            self.hooks.look()  # what the world shows at start: later changes are the events
        await self._start_token_service()
        await self._start_azureml()
        log.info("sandbox serving %s (origins: %s; Azure ML: %s)", self.org_url, self.urls.origins,
                 self.azureml.origins)

    async def _start_token_service(self) -> None:
        """The Bot Framework token service (user tokens, sign-in page) on its own plain-HTTP loopback origin."""
        sock = _bind(0)
        self._sockets["token"] = sock
        self.tokens.origin = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
        await self._serve(Origin("token", token_api.make_answer(self.tokens), token_api.fault_response), sock, None)

    async def _start_azureml(self) -> None:
        """ARM, Entra ID and blob origins over HTTPS with this start's CA; Azurite and the models come after."""
        self.folder = Path(tempfile.mkdtemp(prefix="college-sandbox-"))
        self.ca = LocalCA(self.folder)
        context = self.ca.server_context()
        sockets = {key: _bind(0) for key in AZUREML_ORIGINS}
        self._sockets.update({f"azureml-{key}": sock for key, sock in sockets.items()})
        origins = {key: f"https://{LOOPBACK}:{sock.getsockname()[1]}" for key, sock in sockets.items()}
        for key, origin in self.azureml.origin_handlers().items():
            await self._serve(origin, sockets[key], None, ssl_context=context)
        await self.azureml.start(origins, self.folder)

    async def _serve(self, origin: Origin, sock: socket.socket, control, ssl_context=None) -> None:
        app = web.Application(client_max_size=128 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", make_handler(self, origin, control))
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await runner.setup()
        await web.SockSite(runner, sock, ssl_context=ssl_context).start()
        self._runners.append(runner)

    async def stop(self) -> None:
        """Stops serving. Calls held by a ``delay_ms`` fault are cancelled (their connections closed without
        an answer) rather than waited for."""
        cancelled = self.delays.cancel_all(stopping=True)
        if cancelled:
            log.info("cancelled %d delayed call(s) at stop", cancelled)
        await self.hooks.close()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        for sock in self._sockets.values():
            sock.close()
        await self.azureml.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        log.info("sandbox stopped")

    # ---- state ----------------------------------------------------------------------------
    def reset(self, page_size: int | None = None) -> None:
        """Back to the seed: a fresh world, the clock at wall time, no faults (the log keeps counting).

        Calls still in flight belong to the old world: those held by a ``delay_ms`` fault are cancelled now
        (their connections close without an answer), and any call that started before the reset is dropped
        when it next reaches the pipeline, so it neither changes the new world nor appears in the log.
        """
        with self.lock:
            self.generation += 1
            self.clock.reset()
            self.faults.clear()
            self.world = build_world(self.clock.now())
            self.world.page_size = page_size
            self.pat_owner = self._owner_key()
            self.azureml.reset(page_size)
            self.tokens.reset()
        cancelled = self.delays.cancel_all()
        if cancelled:
            log.info("reset cancelled %d delayed call(s) of the old world", cancelled)

    def caller(self, authorization: str | None) -> str | None:
        """Storage key of the user whose PAT ``authorization`` carries (the sandbox's PAT: Alice), or None."""
        people = {p["key"]: p["upn"] for p in college_team()["people"]}
        return owner_key(authorization, self.pat, self.pat_owner, self.person_pats,
                         lambda key: self.world.user_by_principal_name(people[key]).storage_key)

    def _owner_key(self) -> str:
        """The PAT belongs to the first team admin of the College Team (Alice in the seed)."""
        admin = next(p for p in college_team()["people"] if p["team_admin"] and p["in_organization"])
        return self.world.user_by_principal_name(admin["upn"]).storage_key

    # ---- settings for clients ---------------------------------------------------------------
    @property
    def org_url(self) -> str:
        return self.urls.main

    @property
    def control_url(self) -> str:
        return self.urls.main.rsplit("/", 1)[0] + "/_sandbox"

    def env(self) -> dict[str, str]:
        return {
            "AZURE_DEVOPS_ORG_URL": self.org_url,
            "AZURE_DEVOPS_PAT": self.pat,
            "AZURE_DEVOPS_PROJECT": self.project_name,
            "AZURE_DEVOPS_TEAM": self.team_name,
            "SANDBOX_CONTROL_URL": self.control_url,
            **self.azureml.env(self.ca.bundle),
            "OAUTH_URL": self.tokens.origin,
            "OAUTH_CONNECTION_NAME": self.tokens.connection_name,
        }


def pat_from_environment() -> str | None:
    return os.environ.get("SANDBOX_PAT") or None
