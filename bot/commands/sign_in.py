"""signin, signout: per-user sign-in to Azure DevOps through the Bot Framework token service (bot.sign_in)."""

from __future__ import annotations

from bot.acting import sign_in_prompt
from bot.router import Args, command
from bot.sign_in import who_signed_in
from bot.turn import Reply, Turn
from cards.sign_in import bot_identity_card, sign_in_status_card, signed_out_card

AREA = "General"


@command("signin", area=AREA, usage="signin", aliases=["sign in", "login"])
async def handle_signin(turn: Turn, args: Args) -> Reply:
    """Signs you in to Azure DevOps, so approvals and deployments are recorded under your own name."""
    if turn.tokens is None:
        return Reply(card=bot_identity_card())
    token = await turn.tokens.token()
    if token:
        who = who_signed_in(token)
        return Reply(card=sign_in_status_card(who.name, who.upn))
    prompt = await sign_in_prompt(turn, "Sign in to Azure DevOps. If a code is shown at the end, type it here.")
    return Reply(sign_in=prompt)


@command("signout", area=AREA, usage="signout", aliases=["sign out", "logout"])
async def handle_signout(turn: Turn, args: Args) -> Reply:
    """Signs you out of Azure DevOps (the token service forgets your token)."""
    if turn.tokens is None:
        return Reply(card=bot_identity_card())
    was = await turn.tokens.token() is not None
    if was:
        await turn.tokens.sign_out()
        await turn.services.audit.record(turn.actor, "signout", outcome="ok",
                                         conversation_id=turn.where.conversation_id)
    return Reply(card=signed_out_card(was))
