"""What every store backend provides besides its concerns: a health check and a way to close it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class StoreClosed(RuntimeError):
    """The store was closed; it cannot serve any more calls."""


@runtime_checkable
class StoreLifecycle(Protocol):
    """Readiness and shutdown of a store backend."""

    async def ping(self) -> None:
        """Raises when the store cannot serve (for /readyz)."""
        ...

    async def close(self) -> None:
        """Releases resources; idempotent. Calls after close raise ``StoreClosed``."""
        ...
