"""The child side imports only the standard library: nothing of the bot (its settings, its secrets) and nothing slow."""

import ast
import sys
from pathlib import Path

from bot.isolation import child


def test_the_child_script_imports_only_the_standard_library():
    names = set()
    for node in ast.walk(ast.parse(Path(child.__file__).read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    assert names - {"__future__"} <= sys.stdlib_module_names
