"""Which azure-devops SDK methods the bot calls, and which the sandbox's tests exercise, read from the source.

Both sides are found with the AST, not kept by hand:

* the bot: ``bot/services/devops/client.py`` names its SDK clients in ``_CLIENTS`` (name -> ``ClientFactoryV7_1``
  method); every call ``<x>.<client>.<method>(...)`` in ``bot/`` whose ``<client>`` is one of those names is a use
  (``devops.call(lambda c: c.git.get_repositories(project))``, ``c.graph.get_user(d)`` in a helper, ...).
* the tests: the ``clients`` fixture (tests/sandbox/conftest.py) makes one client per ``SDK_CLIENTS`` entry; every
  call ``clients.<name>.<method>(...)`` in ``tests/sandbox/test_*.py`` exercises that method through the real SDK.

A method is identified by its factory and name, e.g. ``("get_git_client", "query_import_requests")``. Raw calls by
location id (``send_raw`` / ``client._send``) are not SDK methods and are not listed; their answers are still
validated by tests/sandbox_fidelity.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
BOT_CLIENTS_MODULE = BOT / "services" / "devops" / "client.py"
SANDBOX_TESTS = Path(__file__).resolve().parent

# the ``clients`` fixture's attributes -> the ClientFactoryV7_1 method that makes each
SDK_CLIENTS = {
    "core": "get_core_client",
    "git": "get_git_client",
    "graph": "get_graph_client",
    "entitlements": "get_member_entitlement_management_client",
    "endpoints": "get_service_endpoint_client",
    "extensions": "get_extension_management_client",
    "tasks": "get_task_agent_client",
    "release": "get_release_client",
    "pipelines": "get_pipelines_client",
    "build": "get_build_client",
}

Method = tuple[str, str]  # (factory method, SDK method)


def bot_clients() -> dict[str, str]:
    """The bot's ``_CLIENTS``: its name for each SDK client -> the factory method."""
    for node in ast.walk(ast.parse(BOT_CLIENTS_MODULE.read_text())):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "_CLIENTS" for t in targets):
                return ast.literal_eval(node.value)
    raise LookupError(f"no _CLIENTS in {BOT_CLIENTS_MODULE}")


def _calls(paths: Iterable[Path], holder: str | None, clients: dict[str, str]) -> dict[Method, list[str]]:
    """``<holder>.<client>.<method>(`` calls (any name as holder when None), with where each one is."""
    found: dict[Method, list[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            client = node.func.value
            if not (isinstance(client, ast.Attribute) and isinstance(client.value, ast.Name)):
                continue
            if client.attr not in clients or (holder is not None and client.value.id != holder):
                continue
            if node.func.attr.startswith("_"):  # client._send and other internals: not SDK methods
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            found.setdefault((clients[client.attr], node.func.attr), []).append(where)
    return found


def bot_methods() -> dict[Method, list[str]]:
    """Every SDK method the bot calls, with where."""
    return _calls(sorted(BOT.rglob("*.py")), None, bot_clients())


def exercised_methods() -> dict[Method, list[str]]:
    """Every SDK method the sandbox's tests call through the ``clients`` fixture, with where."""
    return _calls(sorted(SANDBOX_TESTS.glob("test_*.py")), "clients", SDK_CLIENTS)
