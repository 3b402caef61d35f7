"""Model check results, kept by what was checked (the ONNX file's sha256 and the checker's version): asking again
answers at once, and a file is checked once whichever model version or instance asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ModelCheck:
    key: str  # e.g. "<sha256>/<checker version>"
    result: dict[str, Any]  # JSON-compatible: what bot.services.models.check reported
    checked_at: datetime


@runtime_checkable
class ModelCheckResults(Protocol):
    """One result per key: the first one stored stands (a check of the same bytes gives the same answer)."""

    async def put_model_check(self, check: ModelCheck) -> bool:
        """Stores the result; True when stored, False when the key had one already (kept unchanged).
        ``ValueError`` for an empty key, a naive ``checked_at`` or a result that is not JSON-compatible."""
        ...

    async def get_model_check(self, key: str) -> ModelCheck | None:
        """The stored result (a fresh copy), or None."""
        ...
