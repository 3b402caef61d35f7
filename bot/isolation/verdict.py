"""The one rule that turns the way a child ended into a result (out-of-memory detection included).

In order, first match wins:
1. The child reported (one JSON line): a peak resident set over `rss_bytes` -> OutOfMemory("rss_limit"); a value
   -> Ok; a MemoryError -> OutOfMemory("memory_error"); an exception whose message shows a native allocation
   failure (C++ `std::bad_alloc`, onnxruntime's "Failed to allocate memory", ENOMEM's "Cannot allocate memory")
   -> OutOfMemory("native_allocation"); any other exception -> Failed.
2. The runner killed it first: for closing -> Stopped; past its wall time -> TimedOut; its peak resident set
   (VmHWM, read every few tens of ms) went over `rss_bytes` -> OutOfMemory("rss_limit"); a result line longer
   than the runner accepts -> Failed("ResultTooLarge").
3. It ended on its own without a result: its stderr shows a native allocation failure (a C++ library that hits
   the address-space limit where nothing catches it prints "terminate called after throwing an instance of
   'std::bad_alloc'" and aborts) -> OutOfMemory("native_allocation"); SIGKILL, which the runner did not send
   (the kernel's OOM killer, a container's memory limit) -> OutOfMemory("killed_by_system"); any other signal or
   exit code -> Crashed.
"""

from __future__ import annotations

import signal
from typing import Any

from bot.isolation.limits import Limits
from bot.isolation.results import (
    MESSAGE_LIMIT,
    Crashed,
    Failed,
    JobResult,
    Ok,
    OutOfMemory,
    Stopped,
    TimedOut,
)

ALLOCATION_FAILURE_MARKERS = ("bad_alloc", "failed to allocate memory", "cannot allocate memory")


def shows_allocation_failure(text: str) -> bool:
    """True when a message or stderr names a failed native allocation."""
    lowered = text.lower()
    return any(marker in lowered for marker in ALLOCATION_FAILURE_MARKERS)


def verdict(limits: Limits, *, killed_for: str | None, report: dict[str, Any] | None, returncode: int | None,
            stderr_tail: str) -> JobResult:
    """The result for a child that ended this way (see the module docstring for the rule)."""
    if report is not None:
        return _from_report(limits, report)
    if killed_for == "closed":
        return Stopped()
    if killed_for == "timeout":
        return TimedOut(limits.wall_s)
    if killed_for == "rss":
        return OutOfMemory(limits.rss_bytes, "rss_limit")
    if killed_for == "output":
        return Failed("ResultTooLarge", "the job's result was larger than the runner accepts")
    return _from_exit(limits, returncode, stderr_tail)


def _from_report(limits: Limits, report: dict[str, Any]) -> JobResult:
    peak = report.get("peak_rss")
    if limits.rss_bytes is not None and isinstance(peak, int) and peak > limits.rss_bytes:
        return OutOfMemory(limits.rss_bytes, "rss_limit")
    if "ok" in report:
        return Ok(report["ok"])
    error = report.get("error") or {}
    error_type = str(error.get("type", "Exception"))
    message = str(error.get("message", ""))[:MESSAGE_LIMIT]
    if error_type == "MemoryError":
        return OutOfMemory(_allocation_limit(limits), "memory_error")
    if shows_allocation_failure(message):
        return OutOfMemory(_allocation_limit(limits), "native_allocation")
    return Failed(error_type, message)


def _from_exit(limits: Limits, returncode: int | None, stderr_tail: str) -> JobResult:
    if shows_allocation_failure(stderr_tail):
        return OutOfMemory(_allocation_limit(limits), "native_allocation")
    if returncode is not None and returncode < 0:
        if -returncode == signal.SIGKILL:
            return OutOfMemory(limits.memory_bytes, "killed_by_system")
        return Crashed(signal=-returncode)
    return Crashed(exit_code=returncode)


def _allocation_limit(limits: Limits) -> int | None:
    return limits.address_space_bytes if limits.address_space_bytes is not None else limits.rss_bytes
