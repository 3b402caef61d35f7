"""The one check before anything is done for someone: the policy decides, a refusal is audited and answered
(NotAllowed, shown as a card), and nothing runs after a refusal."""

from __future__ import annotations

from bot.errors import NotAllowed
from bot.policy import Rule
from bot.turn import Turn


async def authorize(turn: Turn, rule: Rule, *, what: str, action: str, target: str = "",
                    resource: object | None = None) -> None:
    """Returns when ``turn.actor`` may do ``what``; else audits ``action`` as refused and raises NotAllowed."""
    services = turn.services
    refusal = services.policy.decide(turn.actor, turn.roles, rule, what, resource)
    if refusal is None:
        return
    await services.audit.record(turn.actor, action, outcome="refused", target=target[:200],
                                conversation_id=turn.where.conversation_id, detail=refusal.detail)
    raise NotAllowed(refusal.message, next_step=refusal.next_step, title=refusal.title)
