"""Runs module-level functions in child processes, a few at a time, each under its limits, every ending a result.

Why subprocesses and JSON lines rather than multiprocessing: the bot is an asyncio app with threads, so a child
must be a fresh interpreter (never a plain fork), and asyncio starts one natively (fork+exec in C, no Python
between them, with its own session so that one signal reaches the job and anything it started). The child's
environment is written out here, never inherited, and no file descriptor but its three pipes reaches it. A child
that touched untrusted input may be compromised, so what it sends back is parsed as JSON, never unpickled. Start-up
is one interpreter launch (see bench/isolated_jobs.py); multiprocessing's 'spawn' costs the same plus pickling and
re-importing the parent's __main__, and its pools reuse workers, which would let one bad model poison the next.

This isolates crashes, hangs and memory, not hostile code: the child runs as the bot's user. A job that leaves its
session (setsid) escapes the group kill; containers or cgroups are the answer to that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.isolation.limits import Limits
from bot.isolation.procfs import peak_rss
from bot.isolation.results import Failed, JobResult, Ok, Stopped
from bot.isolation.spawn import PROJECT_ROOT, child_command, child_environment, job_line, reference
from bot.isolation.verdict import verdict

log = logging.getLogger(__name__)

STDERR_TAIL_BYTES = 4096
PIPES_GRACE_S = 2.0


class _Child:
    """One running child, and why the runner killed it (the first reason wins)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.killed_for: str | None = None
        self.ended = asyncio.Event()

    def kill(self, reason: str) -> None:
        if self.killed_for is None:
            self.killed_for = reason
        self.kill_group()

    def kill_group(self) -> None:
        """SIGKILL to the child's whole process group (its session: the job and anything it started).

        Called at the latest right after the result line arrives, while the group exists; were the child already
        reaped and its group empty, the id could only name another group after the kernel cycled through pid_max.
        """
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


class IsolatedRunner:
    """At most `max_jobs` children at once (other jobs wait their turn); `close()` kills those still running."""

    def __init__(self, max_jobs: int = 1, *, limits: Limits | None = None, env: Mapping[str, str] | None = None,
                 python: str = sys.executable, pythonpath: Sequence[str] = (str(PROJECT_ROOT),),
                 max_result_bytes: int = 8 * 2**20, rss_poll_s: float = 0.02) -> None:
        if max_jobs < 1:
            raise ValueError("max_jobs must be at least 1")
        self._slots = asyncio.Semaphore(max_jobs)
        self._limits = limits or Limits()
        self._env = dict(env or {})
        self._python = python
        self._pythonpath = tuple(pythonpath)
        self._max_result_bytes = max_result_bytes
        self._rss_poll_s = rss_poll_s
        self._children: set[_Child] = set()
        self._waiting = 0
        self._closed = False

    @property
    def running(self) -> int:
        """Children alive now."""
        return len(self._children)

    @property
    def waiting(self) -> int:
        """Jobs queued for a free slot."""
        return self._waiting

    async def run(self, fn: Callable[..., Any] | str, *args: Any, limits: Limits | None = None) -> JobResult:
        """Runs `fn(*args)` in a child; JSON-able arguments and result. Cancelling this kills the child."""
        limits = limits or self._limits
        line = job_line(fn, args, limits)
        if self._closed:
            return Stopped()
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._closed:
                return Stopped()
            return await self._run_child(reference(fn), line, limits)
        finally:
            self._slots.release()

    async def close(self) -> None:
        """Kills every running child and waits for them; later and queued jobs end as Stopped."""
        self._closed = True
        children = list(self._children)
        for child in children:
            child.kill("closed")
        if children:
            await asyncio.wait([asyncio.ensure_future(child.ended.wait()) for child in children],
                               timeout=PIPES_GRACE_S * 2)

    async def _run_child(self, name: str, line: bytes, limits: Limits) -> JobResult:
        workdir = tempfile.mkdtemp(prefix="isolated-job-")
        try:
            try:
                process = await asyncio.create_subprocess_exec(
                    *child_command(self._python), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE, env=child_environment(workdir, self._pythonpath, self._env),
                    cwd=workdir, start_new_session=True, limit=self._max_result_bytes)
            except OSError as exc:
                log.error("could not start an isolated job", extra={"job": name, "error": str(exc)})
                return Failed("SpawnError", "could not start a process for the job")
            child = _Child(process)
            self._children.add(child)
            if self._closed:
                child.kill("closed")
            try:
                return await self._supervise(child, name, line, limits)
            finally:
                self._children.discard(child)
                child.ended.set()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    async def _supervise(self, child: _Child, name: str, line: bytes, limits: Limits) -> JobResult:
        process = child.process
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        stderr = asyncio.ensure_future(_tail(process.stderr))
        watch = asyncio.ensure_future(self._watch(child, limits.rss_bytes)) if limits.rss_bytes else None
        report = None
        try:
            try:
                async with asyncio.timeout(limits.wall_s):
                    process.stdin.write(line)
                    with contextlib.suppress(ConnectionError):
                        await process.stdin.drain()
                    report = await _read_report(process.stdout)
            except TimeoutError:
                child.kill("timeout")
            except ValueError:
                child.kill("output")
            # The result is in (or never will be): nothing the job started may outlive it.
            child.kill_group()
            returncode = await _wait(process)
        except BaseException:
            child.kill("cancelled")
            await _wait(process)
            raise
        finally:
            if watch is not None:
                watch.cancel()
            stderr_tail = await _finish(stderr)
        result = verdict(limits, killed_for=child.killed_for, report=report, returncode=returncode,
                         stderr_tail=stderr_tail)
        _log(name, process.pid, result, stderr_tail)
        return result

    async def _watch(self, child: _Child, limit: int) -> None:
        while True:
            await asyncio.sleep(self._rss_poll_s)
            peak = peak_rss(child.process.pid)
            if peak is None:
                return
            if peak > limit:
                child.kill("rss")
                return


async def _read_report(stdout: asyncio.StreamReader) -> dict[str, Any] | None:
    """The child's one JSON line, or None when it ended without one (ValueError: longer than the limit)."""
    line = await stdout.readline()
    try:
        report = json.loads(line) if line else None
    except json.JSONDecodeError:
        return None
    return report if isinstance(report, dict) else None


async def _wait(process: asyncio.subprocess.Process) -> int | None:
    """The exit status; waits a little for the pipes, which an escaped grandchild could hold open."""
    try:
        return await asyncio.wait_for(process.wait(), PIPES_GRACE_S)
    except TimeoutError:
        log.error("an isolated job left a process holding its pipes", extra={"pid": process.pid})
        process._transport.close()  # type: ignore[attr-defined]  # no public way to drop the pipes
        return process.returncode


async def _tail(stream: asyncio.StreamReader) -> bytes:
    kept = b""
    while chunk := await stream.read(65536):
        kept = (kept + chunk)[-STDERR_TAIL_BYTES:]
    return kept


async def _finish(stderr: asyncio.Future[bytes]) -> str:
    try:
        return (await asyncio.wait_for(stderr, PIPES_GRACE_S)).decode(errors="replace")
    except TimeoutError:
        return ""


def _log(name: str, pid: int, result: JobResult, stderr_tail: str) -> None:
    if isinstance(result, Ok):
        log.debug("isolated job finished", extra={"job": name, "pid": pid})
        return
    level = logging.INFO if isinstance(result, Failed | Stopped) else logging.WARNING
    log.log(level, "isolated job %s", result.describe(), extra={"job": name, "pid": pid, "kind": result.kind,
                                                                "stderr": stderr_tail})
