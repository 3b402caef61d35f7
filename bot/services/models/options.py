"""What a check may be told (tolerances, threads, how long to measure), with defaults; pure, no imports of numpy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_ATOL = 1e-3
DEFAULT_RTOL = 1e-3
TOLERANCE_TAGS = ("atol", "rtol")  # a model's tags may set its tolerances (strings, e.g. "1e-4")


@dataclass(frozen=True)
class CheckOptions:
    """The settings of one check; `from_json` reads the options dict a caller sends to the child."""

    atol: float = DEFAULT_ATOL
    rtol: float = DEFAULT_RTOL
    intra_op_threads: int = 1
    inter_op_threads: int = 1
    warmup_runs: int = 3
    latency_runs: int = 20
    latency_max_s: float = 10.0  # timed runs stop early past this (the runs done are reported)
    tolerance_source: str = "default"  # "default" | "options" | "tags"

    @classmethod
    def from_json(cls, options: Mapping[str, Any] | None) -> CheckOptions:
        """Known keys only (unknown ones are an error: a typo must not silently check with the defaults)."""
        options = dict(options or {})
        unknown = set(options) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown check options: {sorted(unknown)}")
        if ("atol" in options or "rtol" in options) and "tolerance_source" not in options:
            options["tolerance_source"] = "options"
        made = cls(**options)
        made.validate()
        return made

    def validate(self) -> None:
        """Raises ValueError for values a check cannot use."""
        if not (self.atol >= 0 and self.rtol >= 0):
            raise ValueError("atol and rtol must be zero or positive")
        if self.intra_op_threads < 1 or self.inter_op_threads < 1:
            raise ValueError("thread counts must be at least 1")
        if self.warmup_runs < 0 or self.latency_runs < 0 or self.latency_max_s <= 0:
            raise ValueError("warmup_runs and latency_runs must be zero or more, latency_max_s positive")

    def to_json(self) -> dict[str, Any]:
        """The options as the child receives them."""
        return asdict(self)


def tolerances_from_tags(tags: Mapping[str, str]) -> dict[str, Any]:
    """Options for the tolerances a model's tags set (`atol`, `rtol`); tags that are not numbers are ignored."""
    found: dict[str, Any] = {}
    for name in TOLERANCE_TAGS:
        try:
            value = float(tags[name])
        except (KeyError, TypeError, ValueError):
            continue
        if value >= 0:
            found[name] = value
    if found:
        found["tolerance_source"] = "tags"
    return found
