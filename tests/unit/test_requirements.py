"""Every third-party package the running code imports is pinned in requirements.txt."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"bot", "cards", "dialogs", "sandbox", "app", "deploy"}


def runtime_imports() -> set[str]:
    names: set[str] = set()
    files = [ROOT / "app.py", *[p for d in ("bot", "cards", "dialogs", "sandbox") for p in (ROOT / d).rglob("*.py")]]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in FIRST_PARTY and n not in sys.stdlib_module_names}


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_every_imported_package_is_pinned():
    distributions = packages_distributions()
    pins = pinned()
    missing = {}
    for module in sorted(runtime_imports()):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        assert names, f"{module} is imported but not installed"
        if not names & pins.keys():
            missing[module] = sorted(names)
    assert missing == {}, f"pin these in requirements.txt: {missing}"
