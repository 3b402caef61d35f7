"""One item of a readiness check (doctor), whichever backend it judges: plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """One item of a readiness check: passes, or fails with exactly what to do."""

    title: str  # "Repository aidevcollege is imported"
    state: str  # "pass" | "fail" | "timeout" | "error" | "pending"
    detail: str = ""  # what was found
    reason: str = ""  # a service's own words (TestConnection), shown verbatim
    next_step: str = ""  # exactly what to do when it fails
    fix: str = ""  # a gap the bot can close itself (doctor's Fix button, for admins): "extension", ...
