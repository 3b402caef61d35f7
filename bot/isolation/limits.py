"""The limits one isolated job runs under."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Wall time in seconds; address space (RLIMIT_AS, set in the child) and resident memory (watched) in bytes.

    `None` means no limit of that kind. The address-space limit covers the interpreter and every library the job
    imports (and their threads' reserved stacks and malloc arenas), so set it well above the real need; it stops a
    runaway allocation at once. The resident-memory limit is the real budget: the runner reads the child's peak
    resident set (VmHWM; the child process itself, not processes it starts) every few tens of milliseconds and
    kills it above the limit, and a job that finishes with a peak above it is out of memory too.
    """

    wall_s: float = 60.0
    address_space_bytes: int | None = None
    rss_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.wall_s <= 0:
            raise ValueError("wall_s must be positive")
        for name in ("address_space_bytes", "rss_bytes"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None")

    @property
    def memory_bytes(self) -> int | None:
        """The tightest memory limit (the one an out-of-memory verdict names)."""
        given = [v for v in (self.rss_bytes, self.address_space_bytes) if v is not None]
        return min(given) if given else None
