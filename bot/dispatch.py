"""From a Turn to a Reply: finds the handler, checks the role, runs it, audits, and turns expected
failures into cards. Unexpected exceptions propagate to the edge, which logs them with the correlation id."""

from __future__ import annotations

import logging

from bot.errors import UserFacingError
from bot.parsing import tokenize
from bot.redaction import scrub_credentials
from bot.router import Registry
from bot.turn import Reply, Turn
from cards.errors import error_card, unknown_command_card

log = logging.getLogger(__name__)


def _error_reply(exc: UserFacingError) -> Reply:
    return Reply(card=error_card(exc.title, exc.message, exc.next_step))


async def run_command(turn: Turn, registry: Registry) -> Reply:
    tokens = tokenize(turn.text)
    if not tokens:
        tokens = ("help",)
    match = registry.match(tokens)
    if match is None:
        log.info("unknown command", extra={"typed": tokens[0][:40]})
        return Reply(card=unknown_command_card(scrub_credentials(" ".join(tokens))[:80], registry.suggestions(tokens)))
    spec = match.spec
    services = turn.services
    action = f"command.{spec.name.replace(' ', '.')}"
    if not services.policy.allows(spec.role, turn.roles):
        await services.audit.record(turn.actor, action, outcome="refused", target=match.args.text[:200],
                                    conversation_id=turn.where.conversation_id, detail=f"needs {spec.role}")
        try:
            services.policy.require(spec.role, turn.roles, f"use {spec.name}")
        except UserFacingError as exc:
            return _error_reply(exc)
    try:
        reply = await spec.handler(turn, match.args)
    except UserFacingError as exc:
        if spec.audit:
            await services.audit.record(turn.actor, action, outcome="failed", target=match.args.text[:200],
                                        conversation_id=turn.where.conversation_id, detail=exc.message[:200])
        return _error_reply(exc)
    if spec.audit:
        await services.audit.record(turn.actor, action, outcome="ok", target=match.args.text[:200],
                                    conversation_id=turn.where.conversation_id)
    return reply or Reply()


async def run_action(turn: Turn, registry: Registry) -> Reply:
    assert turn.action is not None
    spec = registry.action(turn.action.verb)
    services = turn.services
    if spec is None:
        log.warning("unknown card verb", extra={"verb": turn.action.verb[:60]})
        return Reply(card=error_card("This button is not known", "The card may come from an older version of the "
                                     "bot.", "Type help and start again from a new card."))
    if not services.policy.allows(spec.role, turn.roles):
        await services.audit.record(turn.actor, f"action.{spec.verb}", outcome="refused",
                                    conversation_id=turn.where.conversation_id, detail=f"needs {spec.role}")
        try:
            services.policy.require(spec.role, turn.roles, "use this button")
        except UserFacingError as exc:
            return _error_reply(exc)
    try:
        return await spec.handler(turn, turn.action.data) or Reply()
    except UserFacingError as exc:
        return _error_reply(exc)
