"""Module-level jobs the isolation tests run in child processes (each one a way a child can end)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import time
from pathlib import Path


def add(a: int, b: int) -> int:
    print("noise on stdout must not reach the result")
    return a + b


def environment() -> dict[str, str]:
    return dict(os.environ)


def raise_value_error(message: str) -> None:
    raise ValueError(message)


def not_json() -> object:
    return object()


def text_of(size: int) -> str:
    return "x" * size


def abort() -> None:
    os.abort()


def segfault() -> None:
    ctypes.string_at(0)


def exit_with(code: int) -> None:
    os._exit(code)


def hang(folder: str) -> None:
    """Starts a grandchild, writes both pids, then never returns."""
    grandchild = subprocess.Popen(["sleep", "600"])
    Path(folder, "pids.tmp").write_text(f"{os.getpid()} {grandchild.pid}")
    Path(folder, "pids.tmp").rename(Path(folder, "pids"))
    while True:
        time.sleep(1)


def wait_forever(folder: str, name: str) -> None:
    Path(folder, f"{name}.tmp").write_text(str(os.getpid()))
    Path(folder, f"{name}.tmp").rename(Path(folder, f"{name}.pid"))
    while True:
        time.sleep(1)


def allocate(size: int) -> int:
    return len(bytearray(size))


def allocate_touched(mib: int) -> int:
    """Really uses the memory (every page written), a MiB at a time."""
    held = [b"\x01" * 2**20 for _ in range(mib)]
    time.sleep(2)
    return len(held)


def cxx_bad_alloc(size: int) -> None:
    """C++ `operator new` failing where nothing catches it, as in a native library's thread: terminate, abort."""
    operator_new = ctypes.CDLL("libstdc++.so.6")["_Znwm"]
    operator_new.restype = ctypes.c_void_p
    operator_new.argtypes = [ctypes.c_size_t]
    operator_new(size)


def overlap_probe(folder: str, together: int) -> int:
    """Marks itself running, waits until `together` jobs are running, watches a moment; the most it saw at once."""
    marker = Path(folder, f"{os.getpid()}.running")
    marker.touch()
    most = 0
    deadline = time.monotonic() + 10
    hold_until = None
    while time.monotonic() < (hold_until or deadline):
        most = max(most, len(list(Path(folder).glob("*.running"))))
        if hold_until is None and most >= together:
            hold_until = time.monotonic() + 0.2
        time.sleep(0.01)
    marker.unlink()
    return most
