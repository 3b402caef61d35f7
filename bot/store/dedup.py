"""De-duplication of activities the channel retries (the same activity delivered twice)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class ActivityDedup(Protocol):
    """Remembers activity keys for a while, so a retried activity is handled once."""

    async def first_sighting(self, activity_key: str, now: datetime) -> bool:
        """True the first time this key is seen (within a retention window of 24 h), False after."""
        ...
