"""The seeded models' build cache: where it is, built once (also by two builders at once), atomic."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from sandbox.models.cache import COMPLETE_MARKER, ENVIRONMENT_VARIABLE, cache_root, ensure_built


def counting_build(calls: list[Path], pause_s: float = 0.0):
    def build(folder: Path) -> None:
        calls.append(folder)
        time.sleep(pause_s)
        (folder / "model.onnx").write_bytes(b"model")
        (folder / COMPLETE_MARKER).write_text("{}")

    return build


def test_the_root_comes_from_the_argument_the_environment_or_the_home_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_root() == Path.home() / ".cache" / "college-bot" / "models"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "college-bot" / "models"
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(tmp_path / "env"))
    assert cache_root() == tmp_path / "env"
    assert cache_root(tmp_path / "arg") == tmp_path / "arg"


def test_built_once_then_reused(tmp_path):
    calls: list[Path] = []
    first = ensure_built(tmp_path, "k1", counting_build(calls))
    second = ensure_built(tmp_path, "k1", counting_build(calls))
    assert first == second == tmp_path / "k1" and len(calls) == 1
    assert (first / "model.onnx").read_bytes() == b"model"
    assert ensure_built(tmp_path, "k2", counting_build(calls)) == tmp_path / "k2" and len(calls) == 2


def test_two_builders_at_once_build_once(tmp_path):
    calls: list[Path] = []
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_built(tmp_path, "k", counting_build(calls, 0.2))))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [tmp_path / "k"] * 2


def test_a_failed_build_leaves_nothing_and_the_next_one_builds(tmp_path):
    def broken(folder: Path) -> None:
        (folder / "half.onnx").write_bytes(b"x")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        ensure_built(tmp_path, "k", broken)
    assert [p.name for p in tmp_path.iterdir()] == [".k.lock"]
    calls: list[Path] = []
    assert ensure_built(tmp_path, "k", counting_build(calls)) == tmp_path / "k" and len(calls) == 1


def test_a_build_without_its_marker_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="manifest"):
        ensure_built(tmp_path, "k", lambda folder: None)
    assert not (tmp_path / "k").exists()


def test_leftovers_of_a_killed_build_are_removed(tmp_path):
    (tmp_path / ".building-k-dead").mkdir()
    (tmp_path / "k").mkdir()  # incomplete: no marker (cannot happen through a rename, but a person may leave it)
    calls: list[Path] = []
    assert ensure_built(tmp_path, "k", counting_build(calls)) == tmp_path / "k"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".k.lock", "k"]
    assert (tmp_path / "k" / COMPLETE_MARKER).is_file()
