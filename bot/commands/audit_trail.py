"""audit [n]: the latest audit entries (admins)."""

from __future__ import annotations

from bot.errors import InvalidInput
from bot.policy import Role
from bot.router import Args, command
from bot.turn import Reply, Turn
from cards.audit import audit_card

DEFAULT_ENTRIES = 10
MAX_ENTRIES = 50


@command("audit", area="Administration", usage="audit [n]", examples=["audit", "audit 25"], role=Role.ADMIN)
async def handle_audit(turn: Turn, args: Args) -> Reply:
    """Shows the latest entries of the audit trail (who did what, when, with what outcome)."""
    count = DEFAULT_ENTRIES
    if args.tokens:
        if not args[0].isdigit() or not 1 <= int(args[0]) <= MAX_ENTRIES:
            raise InvalidInput(f"'{args[0][:20]}' is not a number of entries.",
                               next_step=f"Type audit followed by a number from 1 to {MAX_ENTRIES}, e.g. audit 20.")
        count = int(args[0])
    entries = await turn.services.audit.latest(count)
    return Reply(card=audit_card(entries, count))
