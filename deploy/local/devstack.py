"""Start and stop the local stack: sandbox, bot, Microsoft 365 Agents Playground (and Azurite, for a Blob store).

Used by `make run` (deploy/local/run_local.py) and the end-to-end tests (tests/e2e). Each child runs in
its own process group with its output in a log file, and gets SIGTERM when the process that started it
dies. Everything listens on, and is reached through, 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
LOOPBACK_PRELOAD = REPO / "deploy" / "local" / "loopback-listen.cjs"
PLAYGROUND_BIN = REPO / "node_modules" / ".bin" / "agentsplayground"
AZURITE_BLOB_BIN = REPO / "node_modules" / ".bin" / "azurite-blob"
AZURITE_DEFAULT_PORT = 10000
PLAYGROUND_DEFAULT_PORT = 56150
BOT_DEFAULT_PORT = 3978
NO_PROXY = "127.0.0.1,localhost,::1"

_PR_SET_PDEATHSIG = 1
_CLONE_NEWNET = 0x40000000


class StartupError(RuntimeError):
    """A child did not start or did not become ready; the message says what to look at."""


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    """One started process, its log, and (for piped children) a queue of its output lines."""

    name: str
    process: subprocess.Popen
    log_path: Path
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, count: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-count:])

    def failure(self, what: str, extra_log: Path | None = None) -> StartupError:
        state = "running" if self.running else f"exited with code {self.process.returncode}"
        message = f"{self.name} {what} ({state}). Log: {self.log_path}"
        tail = self.log_tail()
        if tail:
            message += f"\n--- last lines of {self.log_path.name} ---\n{tail}"
        if extra_log is not None and extra_log.exists():
            extra = "\n".join(extra_log.read_text(errors="replace").splitlines()[-30:])
            message += f"\n--- last lines of {extra_log} ---\n{extra}"
        return StartupError(message)

    def next_line(self, deadline: float) -> str | None:
        """The next output line, or None at end of output; raises TimeoutError at the deadline."""
        try:
            return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM the child's process group, SIGKILL it after `timeout` seconds; return the exit code."""
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout)
        return self.process.returncode

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


def start(
    name: str,
    argv: list[str],
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
    read_output: bool = False,
) -> Child:
    """Start `argv` with stdout+stderr going to <log_dir>/<name>.log.

    With read_output the output also arrives line by line on `child.lines` (None marks its end).
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log = open(log_path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed by the child's pump
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env if env is not None else os.environ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if read_output else log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    child = Child(name, process, log_path)
    if read_output:
        threading.Thread(target=_pump, args=(process, log, child.lines), name=f"{name}-output", daemon=True).start()
    else:
        log.close()
    return child


def _pump(process: subprocess.Popen, log, lines: queue.Queue) -> None:
    with log:
        for line in process.stdout:
            log.write(line)
            lines.put(line.rstrip("\n"))
    lines.put(None)


def base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for children: ours, unbuffered Python, no proxy for loopback, plus `extra`."""
    env = dict(os.environ)
    env.update(PYTHONUNBUFFERED="1", NO_PROXY=NO_PROXY, no_proxy=NO_PROXY)
    env.update(extra or {})
    return env


def http_ok(url: str, timeout: float = 1.0) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


def wait_http(child: Child, url: str, timeout: float, extra_log: Path | None = None) -> None:
    """Wait until `url` answers 2xx; fail early when the child exits."""
    deadline = time.monotonic() + timeout
    while not http_ok(url):
        if not child.running:
            raise child.failure(f"exited before {url} answered", extra_log)
        if time.monotonic() > deadline:
            raise child.failure(f"did not answer {url} within {timeout:.0f} s", extra_log)
        time.sleep(0.05)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port(preferred: int | None = None) -> int:
    """`preferred` when it is free on 127.0.0.1, otherwise a free port chosen by the kernel."""
    if preferred and port_is_free(preferred):
        return preferred
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def in_private_network() -> bool:
    """True when this thread's network namespace has no interface but loopback."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def enter_private_network() -> None:
    """Move this process into a new network namespace with only loopback up (root only).

    Children started afterwards inherit it: nothing they do can reach, or be reached from, another
    machine. Call it while the process has a single thread.
    """
    if not in_private_network():
        if os.geteuid() != 0:
            raise OSError("entering a network namespace needs root; run under `unshare -rn` instead")
        if threading.active_count() > 1:
            raise OSError("cannot enter a network namespace from a process with several threads")
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, capture_output=True)


# --- the three children ------------------------------------------------------------------------------


def parse_settings(lines: Iterable[str]) -> dict[str, str]:
    """KEY=VALUE lines, values shell-quoted, as the sandbox prints them."""
    settings = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep and key.isidentifier() and key.upper() == key:
            words = shlex.split(value)
            settings[key] = words[0] if words else ""
    return settings


def start_sandbox(
    log_dir: Path,
    env_file: Path,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> tuple[Child, dict[str, str]]:
    """Start the local Azure DevOps/Azure ML sandbox; return it and the settings it printed once ready.

    The settings block ends at the first line that is not KEY=VALUE, or after a short pause.
    """
    if not (REPO / "sandbox" / "__main__.py").is_file():
        raise StartupError(
            "the sandbox is not there yet: `python -m sandbox` needs sandbox/__main__.py "
            "(the local Azure DevOps/Azure ML emulator); update your checkout."
        )
    env_file.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "sandbox", "--port", "0", "--env-file", str(env_file)]
    child = start("sandbox", argv, log_dir=log_dir, env=base_env(env), read_output=True)
    deadline = time.monotonic() + timeout
    block: list[str] = []
    try:
        while True:
            try:
                line = child.next_line(deadline if not block else min(deadline, time.monotonic() + 0.3))
            except TimeoutError:
                if block:
                    break
                raise child.failure(f"printed no settings within {timeout:.0f} s") from None
            if line is None:
                if block and child.running:
                    break
                raise child.failure("stopped before printing its settings")
            if parse_settings([line]):
                block.append(line)
            elif block:
                break
        return child, parse_settings(block)
    except BaseException:
        child.stop()
        raise


def start_bot(log_dir: Path, port: int, extra_env: Mapping[str, str], timeout: float = 30.0, cwd: Path = REPO) -> Child:
    """Start `python app.py` in local mode on 127.0.0.1:`port` and wait for GET /healthz.

    The bot reads an optional .env from `cwd`.
    """
    if not (REPO / "app.py").is_file():
        raise StartupError("app.py is missing: the bot is not in this checkout yet")
    # the sandbox's service hooks reach the bot here (subscribe): loopback, like everything in a local run
    env = base_env({"BOT_PUBLIC_URL": f"http://{LOOPBACK}:{port}", **extra_env,
                    "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true", "PORT": str(port)})
    child = start("bot", [sys.executable, str(REPO / "app.py")], log_dir=log_dir, env=env, cwd=cwd)
    try:
        wait_http(child, f"http://{LOOPBACK}:{port}/healthz", timeout)
    except BaseException:
        child.stop()
        raise
    return child


def start_azurite(log_dir: Path, data_dir: Path, port: int, timeout: float = 30.0) -> tuple[Child, dict[str, str]]:
    """Start Azurite's blob service on 127.0.0.1:`port` with its data in `data_dir` (kept between runs); return it
    and the settings that make the bot's store a Blob store on it (container college-bot, Azurite's well-known
    key)."""
    if not AZURITE_BLOB_BIN.exists():
        raise StartupError(f"{AZURITE_BLOB_BIN.relative_to(REPO)} is missing: run `npm ci`")
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [str(AZURITE_BLOB_BIN), "--blobHost", LOOPBACK, "--blobPort", str(port), "--location", str(data_dir),
            "--skipApiVersionCheck", "--disableTelemetry", "--loose"]
    child = start("azurite", argv, log_dir=log_dir, env=base_env(), read_output=True)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                line = child.next_line(deadline)
            except TimeoutError:
                raise child.failure(f"did not listen within {timeout:.0f} s") from None
            if line is None:
                child.process.wait(5)
                raise child.failure("exited during start-up")
            if "successfully listens on" in line:
                break
    except BaseException:
        child.stop()
        raise
    settings = {"STORE_URL": f"azblob://{LOOPBACK}:{port}/devstoreaccount1/college-bot",
                "AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true"}
    return child, settings


def playground_env(config_path: Path, log_file: Path) -> dict[str, str]:
    """Telemetry and statsbeat off, no browser launch, the loopback preload, our config and log file."""
    node_options = os.environ.get("NODE_OPTIONS", "")
    return base_env(
        {
            "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
            "TEAMSAPPTESTER_BROWSER": "none",
            "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config_path),
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_file),
            "NODE_OPTIONS": f'{node_options} --require "{LOOPBACK_PRELOAD}"'.strip(),
        }
    )


def playground_argv(bot_port: int, port: int) -> list[str]:
    """The Playground's command line: our bot, the Teams channel, loopback URLs, telemetry off."""
    return [
        str(PLAYGROUND_BIN),
        "--app-endpoint",
        f"http://{LOOPBACK}:{bot_port}/api/messages",
        "--channel-id",
        "msteams",
        "--port",
        str(port),
        "--service-url",
        f"http://{LOOPBACK}:{port}/_connector",
        "--disable-telemetry",
    ]


def start_playground(
    log_dir: Path, config_path: Path, bot_port: int, port: int, name: str = "playground", timeout: float = 30.0
) -> Child:
    """Start the Agents Playground on 127.0.0.1:`port` for the bot on `bot_port`; wait for /_debug/ping."""
    if not PLAYGROUND_BIN.exists():
        raise StartupError(f"{PLAYGROUND_BIN.relative_to(REPO)} is missing: run `npm ci`")
    argv = playground_argv(bot_port, port)
    own_log = log_dir / f"{name}-app.log"  # the Playground's own log: errors such as a bad config go there
    env = playground_env(config_path, own_log)
    child = start(name, argv, log_dir=log_dir, env=env, read_output=True)
    try:
        _wait_listening(child, port, timeout, own_log)
        wait_http(child, f"http://{LOOPBACK}:{port}/_debug/ping", timeout, own_log)
    except BaseException:
        child.stop()
        raise
    return child


def _wait_listening(child: Child, port: int, timeout: float, own_log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = child.next_line(deadline)
        except TimeoutError:
            raise child.failure(f"did not print 'Listening on' within {timeout:.0f} s", own_log) from None
        if line is None:
            child.process.wait(5)
            raise child.failure("exited during start-up", own_log)
        if line.startswith("Listening on "):
            actual = int(line.split()[-1])
            if actual != port:  # it silently moves to a random port when its port is taken
                raise child.failure(f"listens on {actual}, not {port} (port taken?)", own_log)
            return


def stop_all(children: list[Child], say: Callable[[str], None] = lambda _: None) -> None:
    """Stop children in reverse start order."""
    for child in reversed(children):
        code = child.stop()
        say(f"stopped {child.name} (exit code {code})")
