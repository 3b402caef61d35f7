"""The registry of what the bot understands: commands typed in chat, and verbs emitted by card buttons.

Handlers register declaratively:

    @command("repos", area="Repositories", usage="repos", examples=["repos"])
    async def handle_repos(turn, args): '''Lists the project's repositories.'''

    @card_action(verbs.REPOS_MORE)
    async def handle_repos_more(turn, data): ...

A duplicate name, alias or verb, a handler that is not ``async def`` or has no docstring (the docstring's
first line is the help text) fails at import time.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.policy import Role

CommandHandler = Callable[..., Awaitable[Any]]


AREA_ORDER = ("General", "Repositories", "People", "Connections and setup", "Models", "Releases", "Administration")


class RegistrationError(Exception):
    """A registration that would make routing ambiguous or broken."""


@dataclass(frozen=True)
class Args:
    """The words after the command name."""

    tokens: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, index: int) -> str:
        return self.tokens[index]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: CommandHandler
    help: str
    area: str
    usage: str
    examples: tuple[str, ...]
    aliases: tuple[str, ...]
    role: Role
    audit: bool

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())


@dataclass(frozen=True)
class ActionSpec:
    verb: str
    handler: CommandHandler
    role: Role
    help: str


@dataclass(frozen=True)
class OperationSpec:
    """Something done only after its requester confirms it on a card (see bot.confirmations).

    ``took_effect(turn, data)``: after a crash interrupted the work, whether it had taken effect: its outcome card
    (a Reply), or None when it had not (the work is then done now). Without it, the work is done again, which
    suits operations that check before they write."""

    name: str
    handler: CommandHandler
    role: Role
    what: str  # for refusals: "create repositories"
    help: str
    took_effect: CommandHandler | None = None
    # checked when the requester confirms, before the confirmation is used up (e.g. that they are signed in);
    # raises a UserFacingError to stop, leaving the card to be confirmed again
    before: CommandHandler | None = None


@dataclass(frozen=True)
class Match:
    spec: CommandSpec
    args: Args


def _check_handler(kind: str, key: str, handler: CommandHandler) -> str:
    if not inspect.iscoroutinefunction(handler):
        raise RegistrationError(f"{kind} {key!r}: handler {handler.__qualname__} must be 'async def'")
    doc = inspect.getdoc(handler)
    if not doc:
        raise RegistrationError(f"{kind} {key!r}: handler {handler.__qualname__} needs a docstring (its help line)")
    return doc.splitlines()[0].strip()


@dataclass
class Registry:
    _commands: dict[str, CommandSpec] = field(default_factory=dict)
    _by_word: dict[str, CommandSpec] = field(default_factory=dict)  # names and aliases, lower case
    _actions: dict[str, ActionSpec] = field(default_factory=dict)
    _operations: dict[str, OperationSpec] = field(default_factory=dict)

    # registration -----------------------------------------------------------------------------------
    def command(
        self,
        name: str,
        *,
        area: str = "General",
        usage: str = "",
        examples: tuple[str, ...] | list[str] = (),
        aliases: tuple[str, ...] | list[str] = (),
        role: Role = Role.MEMBER,
        audit: bool | None = None,
    ) -> Callable[[CommandHandler], CommandHandler]:
        key = " ".join(name.lower().split())

        def register(handler: CommandHandler) -> CommandHandler:
            help_line = _check_handler("command", key, handler)
            spec = CommandSpec(
                name=key,
                handler=handler,
                help=help_line,
                area=area,
                usage=usage or key,
                examples=tuple(examples) or (usage or key,),
                aliases=tuple(" ".join(a.lower().split()) for a in aliases),
                role=role,
                audit=role != Role.MEMBER if audit is None else audit,
            )
            for word in (spec.name, *spec.aliases):
                if word in self._by_word:
                    raise RegistrationError(
                        f"command {key!r}: {word!r} is already registered by {self._by_word[word].name!r}"
                    )
            self._commands[key] = spec
            for word in (spec.name, *spec.aliases):
                self._by_word[word] = spec
            return handler

        return register

    def card_action(self, verb: str, *, role: Role = Role.MEMBER) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            help_line = _check_handler("card action", verb, handler)
            if verb in self._actions:
                raise RegistrationError(f"card action {verb!r} is already registered")
            self._actions[verb] = ActionSpec(verb, handler, role, help_line)
            return handler

        return register

    def operation(self, name: str, *, role: Role, what: str, took_effect: CommandHandler | None = None,
                  before: CommandHandler | None = None) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            help_line = _check_handler("operation", name, handler)
            if name in self._operations:
                raise RegistrationError(f"operation {name!r} is already registered")
            if took_effect is not None:
                _check_handler("operation check", name, took_effect)
            if before is not None:
                _check_handler("operation precondition", name, before)
            self._operations[name] = OperationSpec(name, handler, role, what, help_line, took_effect, before)
            return handler

        return register

    # lookup -----------------------------------------------------------------------------------------
    @property
    def commands(self) -> list[CommandSpec]:
        """In help order: by area (AREA_ORDER first), then as registered."""
        specs = list(self._commands.values())
        rank = {area: i for i, area in enumerate(AREA_ORDER)}
        return sorted(specs, key=lambda s: rank.get(s.area, len(AREA_ORDER)))

    @property
    def actions(self) -> list[ActionSpec]:
        return list(self._actions.values())

    @property
    def operations(self) -> list[OperationSpec]:
        return list(self._operations.values())

    def action(self, verb: str) -> ActionSpec | None:
        return self._actions.get(verb)

    def operation_spec(self, name: str) -> OperationSpec | None:
        return self._operations.get(name)

    def get(self, name: str) -> CommandSpec | None:
        return self._by_word.get(" ".join(name.lower().split()))

    def match(self, tokens: tuple[str, ...]) -> Match | None:
        """The longest registered name (or alias) the tokens start with, case-insensitively."""
        lowered = [t.lower() for t in tokens]
        for length in range(min(len(tokens), 3), 0, -1):
            spec = self._by_word.get(" ".join(lowered[:length]))
            if spec:
                return Match(spec, Args(tokens[length:]))
        return None

    def suggestions(self, tokens: tuple[str, ...], limit: int = 3) -> list[str]:
        """Registered command names closest to what was typed."""
        if not tokens:
            return []
        typed = [" ".join(t.lower() for t in tokens[:n]) for n in (2, 1) if len(tokens) >= n]
        scores: dict[str, float] = {}
        for word, spec in self._by_word.items():
            for candidate in typed:
                ratio = difflib.SequenceMatcher(None, candidate, word).ratio()
                if word.startswith(candidate) or candidate.startswith(word + " "):
                    ratio = max(ratio, 0.8)
                scores[spec.name] = max(scores.get(spec.name, 0.0), ratio)
        ranked = sorted((s for s in scores.items() if s[1] >= 0.6), key=lambda item: (-item[1], item[0]))
        return [name for name, _ in ranked[:limit]]

    def check_verbs(self, emitted_verbs: set[str]) -> None:
        """Every verb a card can emit has a handler (called once all command modules are imported)."""
        missing = sorted(emitted_verbs - set(self._actions))
        if missing:
            raise RegistrationError(f"card verbs with no handler: {', '.join(missing)}")


REGISTRY = Registry()
command = REGISTRY.command
card_action = REGISTRY.card_action
operation = REGISTRY.operation
