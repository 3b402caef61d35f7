"""help, whoami, cancel: the commands everyone has."""

from __future__ import annotations

from bot.errors import NotFound
from bot.policy import ROLE_EXPLANATIONS
from bot.router import Args, card_action, command
from bot.sign_in import who_signed_in
from bot.turn import Reply, Turn
from cards import verbs
from cards.help import command_help_card, help_card
from cards.identity import whoami_card


def _command_help(turn: Turn, name: str) -> Reply:
    registry = turn.services.registry
    if not name:
        return Reply(card=help_card(registry.commands, turn.services.bot_name))
    spec = registry.get(name)
    if spec is None:
        suggestions = registry.suggestions(tuple(name.split()))
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise NotFound(f"There is no command called '{name}'.{hint}", next_step="Type help to see every command.")
    return Reply(card=command_help_card(spec, ROLE_EXPLANATIONS[spec.role]))


@command("help", area="General", usage="help [command]", examples=["help", "help repo create"], aliases=["?"])
async def handle_help(turn: Turn, args: Args) -> Reply:
    """Shows every command, or how to use one of them."""
    return _command_help(turn, args.text)


@card_action(verbs.HELP_COMMAND)
async def handle_help_button(turn: Turn, data: dict) -> Reply:
    """Shows the help card from a button."""
    return _command_help(turn, str(data.get("command", "")))


@command("whoami", area="General", usage="whoami", aliases=["who am i"])
async def handle_whoami(turn: Turn, args: Args) -> Reply:
    """Shows who you are to the bot: name, Entra object id, tenant, roles, and whether you are signed in."""
    details = await turn.conversation.member_details(turn.actor.channel_user_id)
    upn = (details.user_principal_name or details.email) if details else ""
    sources = ["member: everyone the bot accepts", *await turn.services.policy.explain(turn.actor)]
    return Reply(card=whoami_card(turn.actor.name, turn.actor.aad_object_id, turn.actor.tenant_id, upn,
                                  sorted(turn.roles), sources, signed_in=await _signed_in(turn)))


async def _signed_in(turn: Turn) -> str:
    if turn.tokens is None:
        return "not used: the bot acts with its own identity (OAUTH_CONNECTION_NAME is not set)"
    token = await turn.tokens.token()
    if not token:
        return "no: type signin"
    who = who_signed_in(token)
    return f"yes, as {who.name or who.upn}" + (f" ({who.upn})" if who.upn and who.upn != who.name else "")


@command("cancel", area="General", usage="cancel", aliases=["stop", "quit"])
async def handle_cancel(turn: Turn, args: Args) -> Reply:
    """Leaves any question I am asking you (a multi-step dialog)."""
    left = await turn.conversation.cancel_dialogs()
    return Reply(text="Cancelled. Nothing more will be asked." if left else "There is nothing to cancel.")
