"""Who acts in Azure DevOps for a decision or a deployment: the clicking person with their own token (per-user
sign-in, OAUTH_CONNECTION_NAME), or the bot's identity when an admin chose to run without sign-in.

    devops = await acting_devops(turn)   # SignInRequired (with the sign-in card) when they must sign in first
    devops.person                        # "" when the bot's identity acts
"""

from __future__ import annotations

from bot.container import Services
from bot.errors import NotAllowed, SignInRequired
from bot.services.devops.backend import AZURE_DEVOPS
from bot.services.devops.client import DevOpsClient
from bot.sign_in import SignInPrompt, who_signed_in
from bot.turn import Turn

SIGN_IN_TEXT = "Sign in to Azure DevOps, so that what you decide is recorded under your own name."
BOT_IDENTITY_NOTE = ("Decided with the bot's own Azure DevOps identity (per-user sign-in is off: "
                     "OAUTH_CONNECTION_NAME is not set): Azure DevOps records the bot; the comment names you.")
PER_USER_NOTE = "Decided with your own Azure DevOps identity (you sign in once, when first asked)."


def per_user(turn: Turn) -> bool:
    return turn.services.settings.per_user_sign_in


def identity_note(turn: Turn) -> str:
    """What every decision card says about whose identity Azure DevOps will record."""
    return identity_note_of(turn.services)


def identity_note_of(services: Services) -> str:
    return PER_USER_NOTE if services.settings.per_user_sign_in else BOT_IDENTITY_NOTE


async def sign_in_prompt(turn: Turn, text: str = SIGN_IN_TEXT) -> SignInPrompt:
    assert turn.tokens is not None
    return SignInPrompt(text=text, link=await turn.tokens.sign_in_link(), connection=turn.tokens.connection)


async def acting_devops(turn: Turn, *, doing: str = "do this") -> DevOpsClient:
    """The Azure DevOps client this person's action runs with (see the module docstring)."""
    bot_client = turn.services.client(AZURE_DEVOPS)
    if not per_user(turn):
        return bot_client
    tokens = turn.tokens
    if tokens is None:  # work resumed after a restart, outside any turn of theirs: never the bot's identity instead
        raise NotAllowed(f"The bot restarted before it could {doing}, and it acts only under your own Azure DevOps "
                         "identity, which it can use only while you are talking to it.",
                         next_step="Ask again: the new card is carried out as soon as you confirm it.")
    token = await tokens.token()
    if token is None:
        raise SignInRequired(f"To {doing}, sign in to Azure DevOps: Azure DevOps then records you, not the bot.",
                             await sign_in_prompt(turn),
                             next_step="Use the Sign in card I sent. Once you are signed in, what you clicked is "
                             "carried out without clicking again.")
    who = who_signed_in(token)
    me = turn.actor.aad_object_id.lower()
    if who.object_id and me and who.object_id != me:
        raise NotAllowed(f"You are signed in to Azure DevOps as {who.name or who.upn}, not as yourself "
                         f"({turn.actor.name}).", next_step="Type signout, then signin, and sign in as yourself.")
    return bot_client.as_person(token, who.name or turn.actor.name)
