"""api-version negotiation: read from the Accept header (as the SDK sends it) or the query."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ServiceError

_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(-preview(?:\.(\d+))?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ApiVersion:
    major: int
    minor: int
    preview: bool
    resource_version: int | None

    @property
    def number(self) -> float:
        return float(f"{self.major}.{self.minor}")

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}"
        if self.preview:
            text += "-preview"
            if self.resource_version is not None:
                text += f".{self.resource_version}"
        return text


def parse(text: str) -> ApiVersion | None:
    match = _VERSION.match(text)
    if not match:
        return None
    return ApiVersion(int(match.group(1)), int(match.group(2)), bool(match.group(3)),
                      int(match.group(4)) if match.group(4) else None)


def requested_version(accept: str | None, query_value: str | None) -> str | None:
    """The raw api-version string, from the Accept header first, then the query string."""
    for media_range in (accept or "").split(","):
        for parameter in media_range.split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "api-version" and value.strip():
                return value.strip()
    return query_value


def negotiate(raw: str | None, method: str, location: dict) -> ApiVersion | None:
    """Validate a request's api-version against its location, raising the service's errors."""
    if raw is None:
        if method in ("GET", "HEAD", "OPTIONS"):
            return None
        raise ServiceError(
            400,
            f'No api-version was supplied for the "{method}" request. The version must be supplied '
            'either as part of the Accept header (e.g. "application/json; api-version=1.0") or as '
            'a query parameter (e.g. "?api-version=1.0").',
            "VssVersionNotSpecifiedException",
        )
    version = parse(raw)
    if version is None:
        raise ServiceError(400, f"The api-version '{raw}' is not a valid version.",
                           "VssInvalidApiVersionException")
    max_version = float(location["maxVersion"])
    min_version = float(location["minVersion"])
    released = float(location["releasedVersion"])
    if version.number > max_version:
        raise ServiceError(
            400,
            f"The requested REST API version of {version} is out of range for this server. "
            f"The latest REST API version this server supports is {location['maxVersion']}.",
            "VssVersionOutOfRangeException",
        )
    if version.number < min_version:
        raise ServiceError(
            400,
            f"The requested REST API version of {version} is not supported by this resource. "
            f"The minimum version is {location['minVersion']}.",
            "VssVersionOutOfRangeException",
        )
    if not version.preview and version.number > released:
        raise ServiceError(
            400,
            f'The requested version "{version}" of the resource is under preview. The -preview flag '
            f'must be supplied in the api-version for such requests. For example: "{version}-preview"',
            "VssInvalidPreviewVersionException",
        )
    return version
