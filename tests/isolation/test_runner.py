"""The isolated-job runner through its public API: every way a child can end is a result, never a dead bot.

No assertion here is about time: limits are small so that the tests are fast, but only result kinds, pids and
what the jobs themselves wrote are checked.
"""

from __future__ import annotations

import asyncio
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.isolation import Crashed, Failed, IsolatedRunner, Limits, Ok, OutOfMemory, Stopped, TimedOut
from tests.isolation import jobs

MiB = 2**20
ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


async def eventually_gone(pid: int) -> bool:
    """A killed grandchild is reaped by init, not by us: give the kernel a moment."""
    for _ in range(200):
        if not alive(pid):
            return True
        await asyncio.sleep(0.02)
    return False


async def file_appears(path: Path) -> str:
    for _ in range(500):
        if path.exists():
            return path.read_text()
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


@pytest.fixture
async def runner():
    runner = IsolatedRunner(max_jobs=2, limits=Limits(wall_s=20))
    yield runner
    await runner.close()


async def test_a_job_that_succeeds_returns_its_value_and_its_prints_stay_out_of_it(runner):
    assert await runner.run(jobs.add, 2, 3) == Ok(5)


async def test_a_job_that_raises_is_failed_with_type_and_message_only(runner):
    result = await runner.run(jobs.raise_value_error, "the model file is not ONNX")
    assert result == Failed("ValueError", "the model file is not ONNX")
    assert "Traceback" not in result.describe()


async def test_a_result_that_is_not_json_is_failed(runner):
    result = await runner.run(jobs.not_json)
    assert isinstance(result, Failed) and result.error_type == "TypeError"


async def test_a_result_larger_than_accepted_is_failed():
    runner = IsolatedRunner(max_result_bytes=64 * 1024)
    assert (await runner.run(jobs.text_of, 10**6)).error_type == "ResultTooLarge"
    assert await runner.run(jobs.text_of, 3) == Ok("xxx")


@pytest.mark.parametrize(("job", "args", "expected"), [
    (jobs.abort, (), Crashed(signal=signal.SIGABRT)),
    (jobs.segfault, (), Crashed(signal=signal.SIGSEGV)),
    (jobs.exit_with, (3,), Crashed(exit_code=3)),
    (jobs.exit_with, (0,), Crashed(exit_code=0)),
])
async def test_a_job_that_crashes_is_crashed_with_its_signal_or_exit_code(runner, job, args, expected):
    result = await runner.run(job, *args)
    assert result == expected
    assert result.describe().startswith("crashed (")


async def test_a_job_that_hangs_is_timed_out_and_it_and_its_grandchild_are_gone(runner, tmp_path: Path):
    job = asyncio.create_task(runner.run(jobs.hang, str(tmp_path), limits=Limits(wall_s=1.5)))
    child, grandchild = map(int, (await file_appears(tmp_path / "pids")).split())
    assert await job == TimedOut(1.5)
    assert not alive(child)
    assert await eventually_gone(grandchild)
    assert runner.running == 0


async def test_too_much_address_space_is_out_of_memory_and_the_bot_is_unaffected(runner):
    before = resource.getrlimit(resource.RLIMIT_AS)
    result = await runner.run(jobs.allocate, 4 * 2**30, limits=Limits(address_space_bytes=512 * MiB))
    assert result == OutOfMemory(512 * MiB, "memory_error")
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(64 * MiB)) == 64 * MiB
    assert await runner.run(jobs.add, 1, 1) == Ok(2)


async def test_too_much_resident_memory_is_out_of_memory(runner):
    result = await runner.run(jobs.allocate_touched, 400, limits=Limits(rss_bytes=128 * MiB))
    assert result == OutOfMemory(128 * MiB, "rss_limit")


async def test_a_native_bad_alloc_that_aborts_is_out_of_memory_not_a_crash(runner):
    result = await runner.run(jobs.cxx_bad_alloc, 2**30, limits=Limits(address_space_bytes=256 * MiB))
    assert result == OutOfMemory(256 * MiB, "native_allocation")


async def test_cancelling_the_waiting_task_kills_the_child(runner, tmp_path: Path):
    task = asyncio.create_task(runner.run(jobs.wait_forever, str(tmp_path), "job"))
    pid = int(await file_appears(tmp_path / "job.pid"))
    assert alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(pid)
    assert runner.running == 0
    assert await runner.run(jobs.add, 1, 2) == Ok(3)


async def test_never_more_children_than_the_bound_and_the_rest_queue(tmp_path: Path):
    runner = IsolatedRunner(max_jobs=2)
    results = await asyncio.gather(*(runner.run(jobs.overlap_probe, str(tmp_path), 2) for _ in range(4)))
    assert results == [Ok(2)] * 4


async def test_close_kills_running_children_and_stops_queued_and_later_jobs(tmp_path: Path):
    runner = IsolatedRunner(max_jobs=2)
    running = [asyncio.create_task(runner.run(jobs.wait_forever, str(tmp_path), name)) for name in ("a", "b")]
    pids = [int(await file_appears(tmp_path / f"{name}.pid")) for name in ("a", "b")]
    queued = asyncio.create_task(runner.run(jobs.wait_forever, str(tmp_path), "c"))
    await asyncio.sleep(0)
    assert runner.waiting == 1
    await runner.close()
    assert await asyncio.gather(*running, queued) == [Stopped()] * 3
    assert not any(alive(pid) for pid in pids)
    assert not (tmp_path / "c.pid").exists()
    assert await runner.run(jobs.add, 1, 2) == Stopped()


async def test_children_get_a_minimal_environment_without_the_bots_secrets(runner, monkeypatch):
    monkeypatch.setenv("MicrosoftAppPassword", "bot-secret-value")
    monkeypatch.setenv("AZURE_DEVOPS_PAT", "pat-secret-value")
    result = await runner.run(jobs.environment)
    assert isinstance(result, Ok)
    assert set(result.value) <= {"PATH", "LANG", "LC_ALL", "PYTHONPATH", "PYTHONUTF8", "HOME", "TMPDIR", "LC_CTYPE"}
    assert "secret-value" not in str(result.value)


async def test_extra_environment_is_passed_only_when_named():
    runner = IsolatedRunner(env={"OMP_NUM_THREADS": "1"})
    result = await runner.run(jobs.environment)
    assert result.value["OMP_NUM_THREADS"] == "1"


async def test_what_cannot_cross_the_process_boundary_is_refused_at_the_call(runner):
    def local_function() -> None:
        pass

    with pytest.raises(TypeError):
        await runner.run(local_function)
    with pytest.raises(TypeError):
        await runner.run(lambda: None)
    with pytest.raises(TypeError):
        await runner.run(jobs.add, object(), 1)
    assert runner.running == 0 and runner.waiting == 0


async def test_children_die_with_the_bot_even_when_it_is_killed_without_closing(tmp_path: Path):
    bot = f"""
import asyncio, os
from bot.isolation import IsolatedRunner
async def main():
    runner = IsolatedRunner()
    job = asyncio.ensure_future(runner.run("tests.isolation.jobs:wait_forever", {str(tmp_path)!r}, "orphan"))
    while not os.path.exists({str(tmp_path / "orphan.pid")!r}):
        await asyncio.sleep(0.02)
    os._exit(0)
asyncio.run(main())
"""
    env = {"PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}  # its job folder is left behind: it never cleans up
    subprocess.run([sys.executable, "-c", bot], cwd=ROOT, env=env, check=True, timeout=60)
    assert await eventually_gone(int((tmp_path / "orphan.pid").read_text()))


async def test_a_large_parent_does_not_make_a_small_job_look_out_of_memory():
    """Linux carries the forking parent's peak resident set into the child's ru_maxrss across fork + exec: the
    child must report its own peak (found when the whole test suite had made pytest grow past 1 GiB)."""
    ballast = bytearray(700 * MiB)
    ballast[::4096] = b"\x01" * len(ballast[::4096])  # touched: really resident
    runner = IsolatedRunner()
    try:
        result = await runner.run("os:getpid", limits=Limits(wall_s=30, rss_bytes=300 * MiB))
    finally:
        await runner.close()
    del ballast
    assert isinstance(result, Ok), result
