"""The registry: declarative registration that fails loudly, matching, suggestions; and a walk of the real one."""

import pytest

import bot.commands  # noqa: F401  (registers everything)
from bot.policy import Role
from bot.router import REGISTRY, RegistrationError, Registry
from cards import verbs


def fresh() -> Registry:
    registry = Registry()

    @registry.command("repo create", usage="repo create <name>", aliases=["new repo"])
    async def create(turn, args):
        """Creates a repository."""

    @registry.command("repos")
    async def repos(turn, args):
        """Lists repositories."""

    @registry.command("help")
    async def help_(turn, args):
        """Shows help."""

    return registry


def test_duplicate_name_or_alias_fails_at_registration():
    registry = fresh()
    with pytest.raises(RegistrationError, match="already registered"):

        @registry.command("REPOS")
        async def again(turn, args):
            """Again."""

    with pytest.raises(RegistrationError, match="already registered"):

        @registry.command("something", aliases=["new  repo"])
        async def alias(turn, args):
            """Alias clash."""


def test_non_async_or_undocumented_handlers_fail():
    registry = Registry()
    with pytest.raises(RegistrationError, match="async def"):

        @registry.command("sync")
        def sync(turn, args):
            """Not async."""

    with pytest.raises(RegistrationError, match="docstring"):

        @registry.command("nodoc")
        async def nodoc(turn, args):
            pass


def test_duplicate_verb_and_operation_fail():
    registry = Registry()

    @registry.card_action("x.y")
    async def first(turn, data):
        """First."""

    with pytest.raises(RegistrationError):

        @registry.card_action("x.y")
        async def second(turn, data):
            """Second."""

    @registry.operation("op", role=Role.ADMIN, what="do it")
    async def op(turn, data):
        """Op."""

    with pytest.raises(RegistrationError):

        @registry.operation("op", role=Role.ADMIN, what="do it")
        async def op2(turn, data):
            """Op again."""


def test_check_verbs_names_missing_handlers():
    with pytest.raises(RegistrationError, match=r"nobody\.home"):
        Registry().check_verbs({"nobody.home"})


def test_matching_is_case_insensitive_and_longest_first():
    registry = fresh()
    match = registry.match(("Repo", "CREATE", "My Repo"))
    assert match.spec.name == "repo create" and match.args.tokens == ("My Repo",)
    assert registry.match(("REPOS",)).spec.name == "repos"
    assert registry.match(("new", "repo", "x")).spec.name == "repo create"
    assert registry.match(("nothing",)) is None


def test_suggestions():
    registry = fresh()
    assert registry.suggestions(("hlep",)) == ["help"]
    assert "repo create" in registry.suggestions(("repo", "crate"))
    assert registry.suggestions(("zzzzzz",)) == []


def test_the_real_registry():
    names = [spec.name for spec in REGISTRY.commands]
    assert len(names) == len(set(names))
    for spec in REGISTRY.commands:
        assert spec.help and spec.usage and spec.examples and spec.area
        assert spec.usage.split()[0] == spec.name.split()[0]
    assert {"help", "whoami", "audit", "cancel"} <= set(names)
    assert set(verbs.ALL) <= {a.verb for a in REGISTRY.actions}
    assert REGISTRY.get("audit").role == Role.ADMIN
