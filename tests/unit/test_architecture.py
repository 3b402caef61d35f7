"""The shape the design map promises: SDKs stay at the edges, cards stay pure, commands stay apart, services never
know about cards, there is no circle of imports, and the sandbox stays apart."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOT_FRAMEWORK_ALLOWED = {"bot/teams_edge.py", "bot/http_edge.py", "bot/outbound.py", "bot/proactive.py",
                         "bot/connector_retry.py", "bot/store/bot_state.py", "bot/store/state_codec.py",
                         "bot/activity_shape.py", "bot/sdk_caches.py", "bot/reply_delivery.py", "bot/turn_clients.py",
                         "bot/sign_in_edge.py"}
# store backends on an Azure service: adapters like bot/services/, behind the store's Protocols
AZURE_STORE_BACKENDS = {"bot/store/azblob.py"}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_botbuilder_only_at_the_edge_dialogs_and_storage_adapter():
    offenders = [
        rel(p) for p in [*sources("bot", "cards"), ROOT / "app.py"]
        if rel(p) not in BOT_FRAMEWORK_ALLOWED
        and any(name.split(".")[0] in ("botbuilder", "botframework") for name in imports(p))
    ]
    assert offenders == []


DOMAIN_MODEL = re.compile(r"^bot\.services\.\w+\.model$")  # plain data types, no I/O


def test_cards_are_pure():
    """Cards are functions from data to JSON: they may read the domain model's types, never a service or an SDK."""
    offenders = [f"{rel(p)}: {n}" for p in sources("cards") for n in imports(p)
                 if n.split(".")[0] in ("bot", "aiohttp", "azure", "botbuilder", "msrest")
                 and not DOMAIN_MODEL.match(n)]
    assert offenders == []


def test_domain_models_do_no_io():
    """A domain model imports nothing but other domain models (plain data all the way down)."""
    offenders = [f"{rel(p)}: {n}" for p in sources("bot/services") if p.name == "model.py" for n in imports(p)
                 if n.split(".")[0] in ("bot", "cards", "aiohttp", "azure", "msrest", "requests", "botbuilder")
                 and not DOMAIN_MODEL.match(n)]
    assert offenders == []


def test_a_command_never_imports_another_command():
    """What two commands share lives in bot/ (a primitive) or bot/services/ (data and checks), not in a command."""
    offenders = [f"{rel(p)}: {n}" for p in sources("bot/commands") if p.name != "__init__.py" for n in imports(p)
                 if n.startswith("bot.commands")]
    assert offenders == []


def test_services_never_import_cards_commands_or_the_edge():
    offenders = [f"{rel(p)}: {n}" for p in sources("bot/services") for n in imports(p)
                 if n.split(".")[0] in ("cards", "dialogs", "botbuilder")
                 or n.startswith(("bot.commands", "bot.teams_edge", "bot.http_edge", "bot.dispatch", "bot.container"))]
    assert offenders == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the first-party modules it imports (anywhere in the file, type-checking imports included)."""
    files = {_module_name(p): p for p in [*sources("bot", "cards", "dialogs"), ROOT / "app.py"]}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in files)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                submodules = {f"{node.module}.{a.name}" for a in node.names} & files.keys()
                found.update(submodules or ({node.module} & files.keys()))
        graph[name] = found - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_circle_of_imports():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_azure_sdks_only_in_services():
    offenders = [
        rel(p) for p in [*sources("bot", "cards", "dialogs"), ROOT / "app.py"]
        if not rel(p).startswith("bot/services/") and any(n.startswith(("azure.", "msrest")) for n in imports(p))
        and rel(p) not in BOT_FRAMEWORK_ALLOWED | AZURE_STORE_BACKENDS
    ]
    assert offenders == []


def test_sandbox_never_imports_the_bot():
    offenders = [rel(p) for p in sources("sandbox") if any(n.split(".")[0] in ("bot", "cards", "dialogs", "app")
                                                           for n in imports(p))]
    assert offenders == []


def test_no_print_in_the_bot():
    offenders = []
    for path in sources("bot", "cards", "dialogs"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print":
                offenders.append(f"{rel(path)}:{node.lineno}")
    assert offenders == []


def test_msrest_retry_policy_speed_fix_keeps_its_answers():
    from msrest.universal_http.requests import ClientRetryPolicy

    import bot.http_edge  # noqa: F401  (applies the fix)

    expected = [i for i in range(999) if not (i < 500 and i != 408) and i not in (501, 505)]
    assert ClientRetryPolicy().policy.status_forcelist == expected


def test_the_bot_never_imports_the_sandbox():
    offenders = [rel(p) for p in [*sources("bot", "cards", "dialogs"), ROOT / "app.py"]
                 if any(n.split(".")[0] == "sandbox" for n in imports(p))]
    assert offenders == []


def test_store_backends_are_reached_only_through_store_url():
    from bot.store.url import SCHEMES

    backends = {scheme.module for scheme in SCHEMES}
    offenders = [rel(p) for p in [*sources("bot", "cards", "dialogs"), ROOT / "app.py"]
                 if not rel(p).startswith("bot/store/")
                 and any(name == b or name.startswith(b + "_") or name.startswith(b + ".")
                         for name in imports(p) for b in backends)]
    assert offenders == []
