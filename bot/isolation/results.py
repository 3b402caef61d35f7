"""How an isolated job ended: one small type per ending, each safe to show (no traceback, no stderr)."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any, ClassVar

MESSAGE_LIMIT = 500


def _mib(size: int | None) -> str:
    return "no" if size is None else f"{size / 2**20:g} MiB"


@dataclass(frozen=True)
class Ok:
    """The job returned `value` (decoded from JSON)."""

    value: Any
    kind: ClassVar[str] = "ok"

    def describe(self) -> str:
        return "finished"


@dataclass(frozen=True)
class Failed:
    """The job raised an exception (its type name and message; the traceback only goes to the log)."""

    error_type: str
    message: str
    kind: ClassVar[str] = "failed"

    def describe(self) -> str:
        return f"failed: {self.error_type}: {self.message[:MESSAGE_LIMIT]}"


@dataclass(frozen=True)
class Crashed:
    """The child ended without a result: an exit code, or the signal that killed it."""

    exit_code: int | None = None
    signal: int | None = None
    kind: ClassVar[str] = "crashed"

    def describe(self) -> str:
        if self.signal is not None:
            try:
                name = signal.Signals(self.signal).name
            except ValueError:
                name = f"signal {self.signal}"
            return f"crashed ({name})"
        return f"crashed (exit code {self.exit_code})"


@dataclass(frozen=True)
class TimedOut:
    """The job ran past its wall-time limit and was killed."""

    limit_s: float
    kind: ClassVar[str] = "timed_out"

    def describe(self) -> str:
        return f"ran past its {self.limit_s:g} s time limit"


@dataclass(frozen=True)
class OutOfMemory:
    """The job needed more memory than its limit; `how` names the evidence (see bot.isolation.verdict)."""

    limit_bytes: int | None
    how: str
    kind: ClassVar[str] = "out_of_memory"

    def describe(self) -> str:
        return f"needed more memory than its {_mib(self.limit_bytes)} limit"


@dataclass(frozen=True)
class Stopped:
    """The runner was closed (the bot is shutting down) before the job ended."""

    kind: ClassVar[str] = "stopped"

    def describe(self) -> str:
        return "stopped because the bot is shutting down"


JobResult = Ok | Failed | Crashed | TimedOut | OutOfMemory | Stopped
