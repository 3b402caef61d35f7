"""The README's command reference is generated from the registry, and every setting is documented."""

from pathlib import Path

import bot.commands  # noqa: F401
from bot.docs import README, rewrite
from bot.router import REGISTRY
from bot.settings import Settings


def test_command_reference_is_up_to_date():
    readme = README.read_text()
    assert rewrite(readme, REGISTRY) == readme, "run: python -m bot.docs"


def test_every_setting_is_in_the_readme():
    readme = README.read_text()
    missing = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names = getattr(alias, "choices", None) or [alias]
        if not any(f"`{name}`" in readme for name in names if isinstance(name, str)):
            missing.append(names[0])
    assert missing == []


def test_readme_quickstart_is_the_two_commands():
    readme = Path(README).read_text()
    assert "make run" in readme and "make test" in readme
