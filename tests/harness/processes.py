"""College Bot as real processes: one to kill with SIGKILL, or several behind a round-robin proxy as Azure's load
balancer puts instances behind one address.

    bot = BotProcess(tmp_path, {**sandbox.env, "STORE_URL": ...})
    url = await bot.start()          # python app.py on a free loopback port, /healthz answered
    bot.kill()                       # SIGKILL: no shutdown code runs

    proxy = RoundRobin([url_a, url_b])   # an aiohttp app: request n goes to instance n mod 2 (or where ``to`` says)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
PASSED_ON = ("PATH", "HOME", "LANG", "AZURE_DEVOPS_CACHE_DIR")  # from the test's environment; nothing else leaks in


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotProcess:
    """``python app.py`` with ``env`` (plus unauthenticated local mode), its output in ``<folder>/<name>-<n>.log``
    for each start; started again on the same settings (so on the same store) after a kill."""

    def __init__(self, folder: Path, env: dict[str, str], name: str = "bot", port: int = 0) -> None:
        self.env = {k: v for k, v in os.environ.items() if k in PASSED_ON}
        self.env.update(DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true")
        self.env.update(env)
        self.folder = folder
        self.name = name
        self.process: subprocess.Popen | None = None
        self._fixed_port = port  # 0: a free port at each start
        self.port = port
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self) -> str:
        self.port = self._fixed_port or free_port()
        self.starts += 1
        log = (self.folder / f"{self.name}-{self.starts}.log").open("w")
        self.process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=self.folder,
                                        env={**self.env, "PORT": str(self.port)}, stdout=log,
                                        stderr=subprocess.STDOUT)
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return self.url
                if self.process.poll() is not None:
                    break
                await asyncio.sleep(0.05)
        raise AssertionError(f"{self.name} did not start: {self.log()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log(self) -> str:
        return "\n".join((self.folder / f"{self.name}-{i}.log").read_text() for i in range(1, self.starts + 1))


@dataclass
class Passed:
    """One request the proxy passed on: to which instance, and what it was (to replay it, as a retry would)."""

    instance: int
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # 0 until the instance answered


class RoundRobin:
    """A small load balancer: request n goes to ``upstreams[n % len]``, unless ``to`` names the next one's
    instance. Every request is recorded in ``passed``."""

    HOP = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive"})

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self.passed: list[Passed] = []
        self.to: int | None = None
        self._turns = itertools.count()
        self._http: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._pass)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, _app: web.Application) -> None:
        if self._http is not None:
            await self._http.close()

    async def _pass(self, request: web.Request) -> web.Response:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        instance = self.to if self.to is not None else next(self._turns) % len(self.upstreams)
        self.to = None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in self.HOP}
        passed = Passed(instance, request.method, request.path, headers, body, status=0)
        self.passed.append(passed)  # recorded as it is passed on; its status once answered
        try:
            async with self._http.request(request.method, self.upstreams[instance] + request.path_qs,
                                          headers=headers, data=body, allow_redirects=False) as answer:
                content = await answer.read()
                passed.status = answer.status
                kept = {k: v for k, v in answer.headers.items() if k.lower() not in self.HOP}
        except aiohttp.ClientError:  # the instance is gone: the caller sees what a load balancer answers
            passed.status, content, kept = 502, b"", {}
        return web.Response(status=passed.status, body=content, headers=kept)
