"""What a child is started with: its command line, its minimal environment and the job as one JSON line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.isolation.limits import Limits

CHILD_SCRIPT = Path(__file__).resolve().with_name("child.py")
PROJECT_ROOT = CHILD_SCRIPT.parents[2]
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def reference(fn: Callable[..., Any] | str) -> str:
    """"module:function" for a module-level function (the child imports it by that name)."""
    if isinstance(fn, str):
        module, sep, name = fn.partition(":")
        if not (module and sep and name.isidentifier()):
            raise TypeError(f"expected 'module:function', got {fn!r}")
        return fn
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", "")
    if module == "__main__":
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        module = spec.name if spec is not None else None
    if not module or not name.isidentifier():
        raise TypeError(f"an isolated job must be a module-level function of an importable module, not {fn!r}")
    return f"{module}:{name}"


def job_line(fn: Callable[..., Any] | str, args: Sequence[Any], limits: Limits) -> bytes:
    """The job as the child reads it; a TypeError/ValueError here means arguments that are not JSON."""
    job = {"function": reference(fn), "args": list(args), "address_space_bytes": limits.address_space_bytes}
    return json.dumps(job, allow_nan=False).encode() + b"\n"


def child_command(python: str = sys.executable) -> list[str]:
    """No script directory or user site on sys.path (-P -s): imports come from PYTHONPATH and the venv only."""
    return [python, "-P", "-s", str(CHILD_SCRIPT)]


def child_environment(workdir: str, pythonpath: Sequence[str] = (str(PROJECT_ROOT),),
                      extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A fresh environment: none of the bot's variables (its secrets) reach the child, only these and `extra`."""
    env = {
        "PATH": SYSTEM_PATH,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join(pythonpath),
        "PYTHONUTF8": "1",
        "HOME": workdir,
        "TMPDIR": workdir,
    }
    env.update(extra or {})
    return env
