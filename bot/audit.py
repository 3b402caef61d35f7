"""Writes the audit trail: every consequential action, allowed or refused, with who, what, where, outcome."""

from __future__ import annotations

import logging

from bot.activity import Actor
from bot.logging_setup import current_correlation_id
from bot.redaction import scrub_secrets
from bot.store import AuditEntry, AuditTrail

log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, store: AuditTrail) -> None:
        self._store = store

    async def record(
        self,
        actor: Actor,
        action: str,
        *,
        outcome: str,
        target: str = "",
        conversation_id: str = "",
        detail: str = "",
    ) -> AuditEntry:
        # What people type can hold credentials (repo import https://user:token@...): never keep them.
        target, detail = scrub_secrets(target), scrub_secrets(detail)
        entry = await self._store.append_audit(
            AuditEntry(
                actor_id=actor.key,
                actor_name=actor.name,
                action=action,
                target=target,
                conversation_id=conversation_id,
                outcome=outcome,
                detail=detail,
                correlation_id=current_correlation_id(),
            )
        )
        log.info("audit", extra={"action": action, "outcome": outcome, "target": target, "actor": actor.key})
        return entry

    async def latest(self, limit: int) -> list[AuditEntry]:
        return await self._store.latest_audit(limit)
