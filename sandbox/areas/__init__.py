"""The Azure DevOps areas the sandbox serves, one module each, grouped by the host they live on."""

from __future__ import annotations

from ..http.routing import Handler
from . import (
    build,
    core,
    distributed_task,
    entitlements,
    extensions,
    git,
    graph,
    hooks,
    location,
    pipelines,
    release,
    releases,
    service_endpoints,
)

AREA_MODULES = (location, core, git, graph, entitlements, service_endpoints, extensions, distributed_task, release,
                releases, pipelines, hooks, build)


def handlers_by_host() -> dict[str, dict[tuple[str, str], Handler]]:
    """{host: {(location id, method): handler}}; two areas claiming the same route is an error."""
    table: dict[str, dict[tuple[str, str], Handler]] = {}
    for module in AREA_MODULES:
        host_table = table.setdefault(module.HOST, {})
        for key, handler in module.routes.handlers.items():
            if key in host_table:
                raise ValueError(f"{module.__name__} registers {key} twice on {module.HOST}")
            host_table[key] = handler
    return table
