"""The out-of-memory rule for endings the runner tests cannot provoke safely (a kernel OOM kill, a spike)."""

from __future__ import annotations

import signal

from bot.isolation import Crashed, Failed, Limits, Ok, OutOfMemory, Stopped, TimedOut
from bot.isolation.verdict import verdict

LIMITS = Limits(wall_s=5, address_space_bytes=2**31, rss_bytes=2**29)


def ended(*, killed_for=None, report=None, returncode=0, stderr_tail=""):
    return verdict(LIMITS, killed_for=killed_for, report=report, returncode=returncode, stderr_tail=stderr_tail)


def test_a_sigkill_the_runner_did_not_send_is_the_systems_oom_killer():
    assert ended(returncode=-signal.SIGKILL) == OutOfMemory(2**29, "killed_by_system")


def test_a_finished_job_whose_peak_went_over_the_resident_limit_is_out_of_memory():
    assert ended(report={"ok": 1, "peak_rss": 2**29 + 1}) == OutOfMemory(2**29, "rss_limit")
    assert ended(report={"ok": 1, "peak_rss": 2**29}) == Ok(1)


def test_native_allocation_failures_in_a_message_or_on_stderr_are_out_of_memory():
    ort = ("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : bfc_arena.cc:376 AllocateRawInternal "
           "Failed to allocate memory for requested buffer of size 4585490524328388608")
    assert ended(report={"error": {"type": "RuntimeException", "message": ort}}) == \
        OutOfMemory(2**31, "native_allocation")
    abort = "terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\n"
    assert ended(returncode=-signal.SIGABRT, stderr_tail=abort) == OutOfMemory(2**31, "native_allocation")
    assert ended(returncode=-signal.SIGABRT, stderr_tail="Fatal Python error: Aborted") == \
        Crashed(signal=signal.SIGABRT)


def test_a_result_that_arrived_wins_over_a_kill_that_came_after_it():
    assert ended(killed_for="closed", report={"ok": None, "peak_rss": 1}) == Ok(None)
    assert ended(killed_for="closed", report=None, returncode=-signal.SIGKILL) == Stopped()
    assert ended(killed_for="timeout", report=None, returncode=-signal.SIGKILL) == TimedOut(5)


def test_messages_are_cut_and_describe_says_what_happened():
    failed = ended(report={"error": {"type": "ValueError", "message": "x" * 5000}})
    assert isinstance(failed, Failed) and len(failed.message) == 500
    assert OutOfMemory(2**29, "rss_limit").describe() == "needed more memory than its 512 MiB limit"
    assert Crashed(signal=signal.SIGSEGV).describe() == "crashed (SIGSEGV)"
    assert TimedOut(0.5).describe() == "ran past its 0.5 s time limit"
