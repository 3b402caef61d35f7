"""Routes compiled from ApiResourceLocation route templates, matched case-insensitively.

A handler is registered for a location id and an HTTP method; the path it answers is whatever
the location's ``routeTemplate`` says, so the URL the SDK builds from our OPTIONS answer is
exactly the one we match. Route parameters are optional, as the SDK drops the segments of
parameters it has no value for; ``{*name}`` captures the rest of the path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

_PARAM = re.compile(r"^\{(\*?)([A-Za-z0-9_]+)\}$")


@dataclass(frozen=True)
class CompiledRoute:
    location: dict
    regex: re.Pattern
    literal_segments: int
    params: tuple[str, ...]

    def match(self, relative_path: str) -> tuple[int, int, int, dict[str, str]] | None:
        """(literal segments, -omitted params, bound params, values) or None."""
        found = self.regex.match(relative_path)
        if not found:
            return None
        values = {}
        for index, name in enumerate(self.params):
            raw = found.group(f"p{index}")
            if raw is not None:
                values[name] = unquote(raw)
        omitted = len(self.params) - len(values)
        return self.literal_segments, -omitted, len(values), values


def compile_route(location: dict) -> CompiledRoute:
    template = location["routeTemplate"].strip("/")
    pattern = "^"
    params: list[str] = []
    literals = 0
    for segment in template.split("/"):
        if not segment:
            continue
        param = _PARAM.match(segment)
        name = param.group(2) if param else None
        if name == "area":
            segment, param = location["area"], None
        elif name == "resource":
            segment, param = location["resourceName"], None
        if param:
            group = f"p{len(params)}"
            body = ".+" if param.group(1) else "[^/]+"
            pattern += f"(?:/(?P<{group}>{body}))?"
            params.append(param.group(2))
        else:
            pattern += "/" + re.escape(segment)
            literals += 1
    pattern += "/?$"
    return CompiledRoute(location, re.compile(pattern, re.IGNORECASE), literals, tuple(params))


Handler = Callable[..., object]


@dataclass
class AreaRoutes:
    """Handlers of one area, declared with decorators: ``@routes.get(location_id)``."""

    handlers: dict[tuple[str, str], Handler] = field(default_factory=dict)

    def route(self, method: str, location_id: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            key = (location_id.lower(), method.upper())
            if key in self.handlers:
                raise ValueError(f"two handlers for {method} {location_id}")
            self.handlers[key] = handler
            return handler
        return register

    def get(self, location_id: str):
        return self.route("GET", location_id)

    def post(self, location_id: str):
        return self.route("POST", location_id)

    def put(self, location_id: str):
        return self.route("PUT", location_id)

    def patch(self, location_id: str):
        return self.route("PATCH", location_id)

    def delete(self, location_id: str):
        return self.route("DELETE", location_id)

    def head(self, location_id: str):
        return self.route("HEAD", location_id)


@dataclass(frozen=True)
class RouteMatch:
    location: dict
    handler: Handler
    values: dict[str, str]


class Router:
    """Dispatches a path relative to the organization to the most specific matching handler."""

    def __init__(self, locations: list[dict], handlers: dict[tuple[str, str], Handler]):
        by_id = {loc["id"].lower(): loc for loc in locations}
        missing = {loc_id for loc_id, _ in handlers} - set(by_id)
        if missing:
            raise ValueError(f"handlers for locations this origin does not list: {sorted(missing)}")
        self._routes = [(compile_route(by_id[loc_id]), method, handler)
                        for (loc_id, method), handler in handlers.items()]

    def resolve(self, method: str, relative_path: str) -> RouteMatch | None:
        best = None
        for route, route_method, handler in self._routes:
            if route_method != method:
                continue
            scored = route.match(relative_path)
            if scored and (best is None or scored[:3] > best[0][:3]):
                best = (scored, route, handler)
        if best is None:
            return None
        scored, route, handler = best
        return RouteMatch(route.location, handler, scored[3])
