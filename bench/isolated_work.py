"""The jobs bench/isolated_jobs.py times, in a module of their own so that a child imports nothing else."""

from __future__ import annotations

import importlib
import resource
import time


def busy(work_ms: float, preload: list[str]) -> list[float]:
    """Imports `preload`, keeps a core busy for `work_ms`: [entered, imported, left] (monotonic clock), peak RSS."""
    entered = time.monotonic()
    for name in preload:
        importlib.import_module(name)
    imported = time.monotonic()
    until = imported + work_ms / 1000
    while time.monotonic() < until:
        pass
    return [entered, imported, time.monotonic(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024]
