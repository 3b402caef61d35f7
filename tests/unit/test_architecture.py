"""The shape the design map promises: SDKs stay at the edges, cards stay pure, the sandbox stays apart."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOT_FRAMEWORK_ALLOWED = {"bot/teams_edge.py", "bot/http_edge.py", "bot/proactive.py", "bot/connector_retry.py",
                         "bot/store/bot_state.py", "bot/store/state_codec.py", "bot/activity_shape.py",
                         "bot/sdk_caches.py", "bot/reply_delivery.py", "bot/turn_clients.py"}


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


def test_cards_are_pure():
    offenders = [rel(p) for p in sources("cards") if any(n.split(".")[0] in ("bot", "aiohttp", "azure", "botbuilder")
                                                         for n in imports(p))]
    assert offenders == []


def test_azure_sdks_only_in_services():
    offenders = [
        rel(p) for p in [*sources("bot", "cards", "dialogs"), ROOT / "app.py"]
        if not rel(p).startswith("bot/services/") and any(n.startswith(("azure.", "msrest")) for n in imports(p))
        and rel(p) not in BOT_FRAMEWORK_ALLOWED
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
