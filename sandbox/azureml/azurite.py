"""Microsoft's storage emulator Azurite (npm ``azurite``, from ``npm ci``): started and stopped by the sandbox.

Blob service only, on 127.0.0.1 and a free port, data in memory (nothing on disk), ``--skipApiVersionCheck``
(azure-storage-blob may speak a newer API than this Azurite knows) and telemetry off. It exits when the sandbox
goes away, even if the sandbox is killed: ``exit_with_parent.cjs`` watches the stdin pipe the sandbox holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
from pathlib import Path

log = logging.getLogger("sandbox.azurite")

REPO_ROOT = Path(__file__).resolve().parents[2]
AZURITE_BLOB = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"
PRELOAD = Path(__file__).with_name("exit_with_parent.cjs")
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 3.0
EXTENT_MEMORY_LIMIT_MB = 1024
_LISTENING = re.compile(r"successfully listens on (https?://127\.0\.0\.1:\d+)")


class AzuriteError(RuntimeError):
    """Azurite could not be started; the message says what to do."""


class Azurite:
    """One Azurite blob service process."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.url: str | None = None  # http://127.0.0.1:PORT (the sandbox's HTTPS blob origin forwards to it)
        self._drain: asyncio.Task | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def start(self, workdir: Path) -> str:
        node = shutil.which("node")
        if not AZURITE_BLOB.exists() or node is None:
            raise AzuriteError(f"Azurite is not installed ({AZURITE_BLOB} or node missing): run `npm ci` "
                               "(make deps does) in the repository")
        main = AZURITE_BLOB.resolve()
        self.process = process = await asyncio.create_subprocess_exec(
            node, "--require", str(PRELOAD), str(main), "--blobHost", "127.0.0.1", "--blobPort", "0",
            "--inMemoryPersistence", "--extentMemoryLimit", str(EXTENT_MEMORY_LIMIT_MB), "--skipApiVersionCheck",
            "--disableTelemetry", "--silent", "--loose",
            cwd=workdir, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        try:
            self.url = await asyncio.wait_for(_listening(process), START_TIMEOUT_S)
        except BaseException:  # not listening in time, exited, or the sandbox stopping meanwhile
            await self.stop()
            raise
        self._drain = asyncio.create_task(_log_output(process))
        log.info("Azurite (pid %s) listening on %s", process.pid, self.url)
        return self.url

    async def stop(self) -> None:
        """Closes its stdin (it exits at once), then terminates or kills it if it has not."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.returncode is None and process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain
        log.info("Azurite (pid %s) stopped", process.pid)


async def _listening(process: asyncio.subprocess.Process) -> str:
    """The URL Azurite says it listens on (it prints it once it does)."""
    lines = []
    while True:
        raw = await process.stdout.readline()
        if not raw:
            raise AzuriteError(f"Azurite exited before listening: {' | '.join(lines[-5:])}")
        line = raw.decode(errors="replace").strip()
        lines.append(line)
        found = _LISTENING.search(line)
        if found:
            return found.group(1)


async def _log_output(process: asyncio.subprocess.Process) -> None:
    while raw := await process.stdout.readline():
        log.debug("azurite: %s", raw.decode(errors="replace").rstrip())
