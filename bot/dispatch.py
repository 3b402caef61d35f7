"""From a Turn to a Reply: finds the handler, authorizes once (bot.authorization), runs it, audits, and turns
expected failures into cards. Unexpected exceptions propagate to the edge, which logs them with the correlation id."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot import telemetry
from bot.authorization import authorize
from bot.errors import NotAllowed, SignInRequired, UserFacingError
from bot.parsing import tokenize
from bot.progress import answer_soon
from bot.redaction import scrub_secrets
from bot.router import CommandSpec, Registry
from bot.turn import Reply, Turn
from cards.errors import error_card, unknown_command_card
from cards.progress import working_on_card

log = logging.getLogger(__name__)


def _error_reply(exc: UserFacingError) -> Reply:
    prompt = exc.prompt if isinstance(exc, SignInRequired) else None
    return Reply(card=error_card(exc.title, exc.message, exc.next_step), sign_in=prompt)


async def run_command(turn: Turn, registry: Registry) -> Reply:
    tokens = tokenize(turn.text)
    if not tokens:
        tokens = ("help",)
    match = registry.match(tokens)
    if match is None:
        log.info("unknown command", extra={"typed": tokens[0][:40]})
        telemetry.annotate(command="(unknown)")
        telemetry.count(telemetry.COMMANDS, command="(unknown)", outcome="unknown")
        return Reply(card=unknown_command_card(scrub_secrets(" ".join(tokens))[:80], registry.suggestions(tokens)))
    return await run_as_command(turn, match.spec, match.args.text, lambda: match.spec.handler(turn, match.args))


async def run_as_command(turn: Turn, spec: CommandSpec, target: str,
                         call: Callable[[], Awaitable[Reply | None]]) -> Reply:
    """Runs ``call`` as the command ``spec`` (authorized, audited, expected failures as cards): for typed commands,
    and for dialogs that gathered the command's request over several messages. Whatever the command does, the
    person gets an answer within seconds: a "working on it" card that the command's own answer replaces
    (bot.progress; work inside the command shares that card)."""
    telemetry.annotate(command=spec.name)  # the turn's span: the command's name, never what else was typed
    return await answer_soon(turn, _run_command(turn, spec, target, call),
                             lambda: Reply(card=working_on_card(spec.name)), name=f"command {spec.name}",
                             within_s=turn.services.pacing.message_within_s)


async def _run_command(turn: Turn, spec: CommandSpec, target: str,
                       call: Callable[[], Awaitable[Reply | None]]) -> Reply:
    """The command, counted by name and outcome: ok, denied, failed (an expected error), error (an unexpected one)."""
    outcome = "error"
    try:
        reply, outcome = await _run_authorized(turn, spec, target, call)
        return reply
    finally:
        telemetry.count(telemetry.COMMANDS, command=spec.name, outcome=outcome)


async def _run_authorized(turn: Turn, spec: CommandSpec, target: str,
                          call: Callable[[], Awaitable[Reply | None]]) -> tuple[Reply, str]:
    services = turn.services
    action = f"command.{spec.name.replace(' ', '.')}"
    target = target[:200]
    try:
        await authorize(turn, spec.role, what=f"use {spec.name}", action=action, target=target)
    except NotAllowed as exc:
        return _error_reply(exc), "denied"
    try:
        reply = await call()
    except UserFacingError as exc:
        telemetry.count(telemetry.ERRORS, kind=type(exc).__name__, where="command")
        if spec.audit:
            await services.audit.record(turn.actor, action, outcome="failed", target=target,
                                        conversation_id=turn.where.conversation_id, detail=exc.message[:200])
        return _error_reply(exc), "failed"
    if spec.audit:
        await services.audit.record(turn.actor, action, outcome="ok", target=target,
                                    conversation_id=turn.where.conversation_id)
    return reply or Reply(), "ok"


async def run_action(turn: Turn, registry: Registry) -> Reply:
    assert turn.action is not None
    spec = registry.action(turn.action.verb)
    if spec is None:
        log.warning("unknown card verb", extra={"verb": turn.action.verb[:60]})
        return Reply(card=error_card("This button is not known", "The card may come from an older version of the "
                                     "bot.", "Type help and start again from a new card."))
    telemetry.annotate(verb=spec.verb)
    outcome = "error"
    try:
        await authorize(turn, spec.role, what="use this button", action=f"action.{spec.verb}")
        reply = await spec.handler(turn, turn.action.data) or Reply()
        outcome = "ok"
        return reply
    except NotAllowed as exc:
        outcome = "denied"
        return _error_reply(exc)
    except UserFacingError as exc:
        outcome = "failed"
        return _error_reply(exc)
    finally:
        telemetry.count(telemetry.ACTIONS, verb=spec.verb, outcome=outcome)
