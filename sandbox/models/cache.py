"""Where the seeded models are built, once per machine: a folder per key, built in a temporary folder and renamed.

The root is the `cache_dir` argument, else `$COLLEGE_BOT_MODEL_CACHE`, else `$XDG_CACHE_HOME/college-bot/models`
(`~/.cache/college-bot/models`). Each key gets `<root>/<key>/`; a build holds `<root>/.<key>.lock` (other
processes wait for it, then use its result) and renames a complete folder into place, so a folder that exists is
complete. Nothing here is ever deleted by a sandbox reset; delete the root to rebuild.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

ENVIRONMENT_VARIABLE = "COLLEGE_BOT_MODEL_CACHE"
COMPLETE_MARKER = "manifest.json"


def cache_root(cache_dir: Path | None = None) -> Path:
    """The folder that holds one subfolder per key."""
    if cache_dir is not None:
        return Path(cache_dir)
    if configured := os.environ.get(ENVIRONMENT_VARIABLE):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "college-bot" / "models"


def ensure_built(root: Path, key: str, build: Callable[[Path], None]) -> Path:
    """`<root>/<key>`, calling `build(temporary folder)` first if no complete one exists (it writes the marker)."""
    target = root / key
    if (target / COMPLETE_MARKER).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(root / f".{key}.lock"):
        if (target / COMPLETE_MARKER).is_file():
            return target
        _remove_leftovers(root, key)
        building = Path(tempfile.mkdtemp(prefix=f".building-{key}-", dir=root))
        try:
            build(building)
            if not (building / COMPLETE_MARKER).is_file():
                raise RuntimeError(f"the build of {key} wrote no {COMPLETE_MARKER}")
            building.rename(target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    return target


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_leftovers(root: Path, key: str) -> None:
    """Folders of builds that died (only while holding the key's lock: nobody else is building it)."""
    for leftover in root.glob(f".building-{key}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    incomplete = root / key
    if incomplete.exists() and not (incomplete / COMPLETE_MARKER).is_file():
        shutil.rmtree(incomplete, ignore_errors=True)
