"""The child side of an isolated job: read it, apply its limits, run it, write one JSON line, exit.

Run as a script (`python -P -s .../child.py`), so it imports nothing but the standard library before the job's
own module. The protocol: one JSON line on stdin, {"function": "module:name", "args": [...],
"address_space_bytes": int | null}; stdin then stays open, and its end (the bot died) kills the job's process
group. One JSON line back on the original stdout: {"ok": value, "peak_rss": bytes} or
{"error": {"type", "message"}, "peak_rss": bytes}. Whatever the job prints goes to stderr, never into the result.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import os
import resource
import signal
import sys
import threading

# Written without building anything when memory has run out.
OUT_OF_MEMORY_LINE = b'{"error": {"type": "MemoryError", "message": "out of memory while reporting"}}\n'


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _die_with_parent(fd: int) -> None:
    """Blocks until the bot closes our stdin (or dies), then kills this job's whole process group."""
    while os.read(fd, 4096):
        pass
    os.killpg(0, signal.SIGKILL)


def _apply_limits(address_space_bytes: int | None) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if address_space_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))


def _resolve(reference: str):
    module_name, _, name = reference.partition(":")
    return getattr(importlib.import_module(module_name), name)


def _peak_rss() -> int:
    """This process's own peak resident set (VmHWM of its address space since exec). Not getrusage's ru_maxrss:
    Linux carries the forking parent's peak into it across fork + exec, so a large parent would make every job
    look like it used the parent's memory."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _run(job: dict) -> dict:
    try:
        value = _resolve(job["function"])(*job["args"])
        return {"ok": value}
    except Exception as exc:  # noqa: BLE001  (the boundary: every exception is reported, traceback to stderr)
        import traceback  # only on failure: it costs start-up time

        traceback.print_exc()
        return {"error": {"type": type(exc).__name__, "message": str(exc)}}


def _encode(outcome: dict) -> bytes:
    outcome["peak_rss"] = _peak_rss()
    try:
        return json.dumps(outcome).encode() + b"\n"
    except MemoryError:
        return OUT_OF_MEMORY_LINE
    except (TypeError, ValueError) as exc:
        error = {"type": "TypeError", "message": f"the job's result is not JSON: {exc}"}
        return json.dumps({"error": error, "peak_rss": outcome["peak_rss"]}).encode() + b"\n"


def main() -> None:
    result_fd = os.dup(1)
    os.dup2(2, 1)
    job = json.loads(sys.stdin.buffer.readline())
    parent_fd = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    threading.Thread(target=_die_with_parent, args=(parent_fd,), daemon=True).start()
    faulthandler.enable()
    _apply_limits(job.get("address_space_bytes"))
    try:
        line = _encode(_run(job))
    except MemoryError:
        line = OUT_OF_MEMORY_LINE
    _write(result_fd, line)
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
