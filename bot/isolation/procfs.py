"""Reading a live child's memory from /proc (Linux)."""

from __future__ import annotations


def peak_rss(pid: int) -> int | None:
    """The process's peak resident set (VmHWM) in bytes; None once it has ended (or without /proc)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
