"""What a handler gets (RequestContext) and gives back (Reply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from multidict import CIMultiDictProxy

from ..state.world import World
from .errors import bad_request
from .paging import CONTINUATION_HEADER
from .versioning import ApiVersion


@dataclass(frozen=True)
class Urls:
    """Loopback origins of the organization, by host key (``main``, ``vssps``, ...), without a trailing /."""

    origins: dict[str, str]

    def of(self, host: str, path: str = "") -> str:
        return f"{self.origins[host]}/{path.lstrip('/')}" if path else self.origins[host]

    @property
    def main(self) -> str:
        return self.origins["main"]


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def collection(items: list, continuation: str | None = None) -> Reply:
    """The service's list wrapper ``{"count", "value"}``, with the continuation header when paged."""
    headers = {CONTINUATION_HEADER: continuation} if continuation else {}
    return Reply({"count": len(items), "value": items}, headers=headers)


@dataclass
class RequestContext:
    method: str
    world: World
    now: datetime
    urls: Urls
    location: dict
    values: dict[str, str]
    query: CIMultiDictProxy
    version: ApiVersion | None
    raw_body: Any = None
    pat_owner: str | None = None  # storage key of the caller: the PAT's owner, or a bearer token's person

    def value(self, name: str) -> str | None:
        """A route value, looked up case-insensitively as the service does."""
        wanted = name.lower()
        return next((v for k, v in self.values.items() if k.lower() == wanted), None)

    def arg(self, name: str) -> str | None:
        return self.query.get(name)

    def int_arg(self, name: str) -> int | None:
        raw = self.query.get(name)
        if raw in (None, ""):
            return None
        try:
            return int(raw)
        except ValueError:
            raise bad_request(f"The value '{raw}' is not valid for parameter '{name}'.") from None

    def time_arg(self, name: str) -> datetime | None:
        """An ISO 8601 time parameter (UTC when it names no zone); 400 when it is not one."""
        raw = self.query.get(name)
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(f"The value '{raw}' is not valid for parameter '{name}'.") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def bool_arg(self, name: str, default: bool = False) -> bool:
        raw = self.query.get(name)
        if raw in (None, ""):
            return default
        return raw.lower() == "true"

    def body(self) -> Any:
        if self.raw_body is None:
            raise bad_request("The request body must not be empty.", "ArgumentNullException")
        return self.raw_body

    def page_size(self, requested: int | None, default: int) -> int:
        size = requested if requested and requested > 0 else default
        return min(size, self.world.page_size) if self.world.page_size else size
