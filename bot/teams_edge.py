"""The edge between Bot Framework and the bot: activities in, Turns to the dispatcher, replies out.

botbuilder is imported only here, in bot/http_edge.py (the HTTP front) and the small edge modules next to
them, in dialogs/ and in the state-storage adapter (tests/unit/test_architecture.py lists them and enforces
it), so the rest of the code never sees an SDK type.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botbuilder.core import (
    ActivityHandler,
    BotAdapter,
    CardFactory,
    InvokeResponse,
    MessageFactory,
    PrivateConversationState,
    Storage,
    TurnContext,
)
from botbuilder.core.teams import TeamsInfo
from botbuilder.dialogs import Dialog, DialogSet, DialogTurnStatus
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot import dispatch, telemetry
from bot.bounded import BoundedMap
from bot.container import Services
from bot.errors import UserFacingError
from bot.invoke_answers import InvokeAnswer, answer_invoke
from bot.logging_setup import current_correlation_id, new_correlation_id, reset_correlation_id, set_correlation_id
from bot.parsing import normalise
from bot.proactive_delivery import resume_reachable
from bot.redaction import scrub_json, scrub_secrets
from bot.reply_delivery import CONNECTOR_FAILURES, ReplyFailed, send_reply, update_reply
from bot.sign_in import PENDING_TTL_S, magic_code, who_signed_in
from bot.sign_in_edge import TurnUserTokens, oauth_card
from bot.store import ETagConflict
from bot.turn import Actor, CardAction, MemberDetails, Mention, Reply, Turn, Where
from bot.unfurl import QUERY_LINK, unfurl
from cards.errors import apology_card, error_card
from cards.sign_in import code_refused_card, signed_in_card
from cards.welcome import welcome_card

log = logging.getLogger(__name__)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_ACTION = "adaptiveCard/action"
CANCEL_WORDS = {"cancel", "stop", "quit"}
DIALOG_STATE = "DialogState"
AFTER_SIGN_IN = "AfterSignIn"  # the button a person clicked before signing in (per person and conversation)
VERIFY_STATE, TOKEN_EXCHANGE, TOKEN_RESPONSE = "signin/verifyState", "signin/tokenExchange", "tokens/response"
MAX_COMMAND_CHARS = 4096
MAX_ACTION_DATA_CHARS = 8192
"""Longest command text and card-action data (as JSON) the bot reads. Teams allows ~28 KB per message, but no
command is near this long, and matching an unknown command costs time in proportion to its length."""
KNOWN_CONVERSATIONS = 4096
"""How many conversations' service URLs this process remembers (LRU). The key is chosen by senders; forgetting
one costs one store write on its next message, never a second welcome (the store decides what is new)."""


def reply_activity(reply: Reply) -> Activity:
    """The activity for a reply, every string in it scrubbed of credentials (bot.redaction): whatever a person
    typed, a card never echoes a secret."""
    if reply.card is not None:
        activity = MessageFactory.attachment(CardFactory.adaptive_card(scrub_json(reply.card)))
        if reply.text:
            activity.text = scrub_secrets(reply.text)
        return activity
    return MessageFactory.text(scrub_secrets(reply.text or ""))


def invoke_answer_response(answer: InvokeAnswer) -> InvokeResponse:
    return InvokeResponse(status=answer.status, body=answer.body)


def invoke_card_response(reply: Reply) -> InvokeResponse:
    """The answer Teams expects to an adaptiveCard/action invoke: the card that replaces the clicked one
    (scrubbed like every other reply)."""
    if reply.card is not None:
        body: dict[str, Any] = {"statusCode": 200, "type": ADAPTIVE_CARD, "value": scrub_json(reply.card)}
    else:
        body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                "value": scrub_secrets(reply.text or "")}
    return InvokeResponse(status=200, body=body)


class _TurnConversation:
    """The Conversation port over a TurnContext; lives only as long as the turn."""

    def __init__(self, ctx: TurnContext, dialogs: DialogSet | None) -> None:
        self._ctx = ctx
        self._dialogs = dialogs
        self.updated: set[str] = set()  # the messages this turn replaced

    async def send(self, reply: Reply) -> str:
        return await send_reply(self._ctx, reply_activity(reply))

    async def update(self, activity_id: str, reply: Reply) -> None:
        activity = reply_activity(reply)
        activity.id = activity_id
        activity.type = ActivityTypes.message
        await update_reply(self._ctx, activity)
        self.updated.add(activity_id)

    async def member_details(self, channel_user_id: str) -> MemberDetails | None:
        # botbuilder's TeamsInfo reads the activity's channelData as a mapping (Teams always sends one); an
        # activity without it has no Teams member to look up
        if self._ctx.activity.channel_id != "msteams" or not isinstance(self._ctx.activity.channel_data, dict):
            return None
        try:
            member = await TeamsInfo.get_member(self._ctx, channel_user_id)
        except CONNECTOR_FAILURES as exc:
            log.warning("member lookup failed", extra={"reason": type(exc).__name__,
                                                       "status": getattr(getattr(exc, "response", None),
                                                                         "status_code", None)})
            return None
        return MemberDetails(
            name=member.name or "",
            email=getattr(member, "email", "") or "",
            user_principal_name=getattr(member, "user_principal_name", "") or "",
        )

    async def cancel_dialogs(self) -> bool:
        if self._dialogs is None:
            return False
        dc = await self._dialogs.create_context(self._ctx)
        if dc.active_dialog is None:
            return False
        await dc.cancel_all_dialogs()
        return True


def _tenant_of(activity: Activity) -> str:
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant") or {}
    return (tenant.get("id") if isinstance(tenant, dict) else "") or (activity.conversation.tenant_id or "")


def _team_of(activity: Activity) -> str:
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = channel_data.get("team") or {}
    return team.get("id", "") if isinstance(team, dict) else ""


def _mention_entities(activity: Activity) -> list[dict[str, Any]]:
    entities = []
    for entity in activity.entities or []:
        data = entity.serialize() if hasattr(entity, "serialize") else dict(entity)
        props = {**data, **(getattr(entity, "additional_properties", None) or {})}
        if props.get("type") == "mention" and isinstance(props.get("mentioned"), dict):
            entities.append(props)
    return entities


def _too_long(data: dict[str, Any]) -> bool:
    return len(json.dumps(data, default=str)) > MAX_ACTION_DATA_CHARS


def _too_long_card(what: str) -> dict[str, Any]:
    return error_card("That is too long for me", f"This {what} is longer than any command I know.",
                      "Type help to see the commands and how to use them.")


def actor_of(activity: Activity) -> Actor:
    sender = activity.from_property or ChannelAccount(id="", name="")
    return Actor(
        channel_user_id=sender.id or "",
        name=sender.name or "",
        aad_object_id=sender.aad_object_id or "",
        tenant_id=_tenant_of(activity),
    )


def read_message(activity: Activity, bot_name: str) -> tuple[str, tuple[Mention, ...]]:
    """The message's command text (the bot's mention and markup stripped) and the other people @mentioned."""
    mentions = _mention_entities(activity)
    bot_id = activity.recipient.id if activity.recipient else ""
    bot_names = tuple(
        {bot_name, (activity.recipient.name if activity.recipient else "") or ""}
        | {m["mentioned"].get("name", "") for m in mentions if m["mentioned"].get("id") == bot_id}
    )
    text, others = normalise(activity.text or "", bot_names)
    people = tuple(
        Mention(m["mentioned"].get("id", ""), m["mentioned"].get("name", ""),
                m["mentioned"].get("aadObjectId", "") or "")
        for m in mentions
        if m["mentioned"].get("id") != bot_id and m["mentioned"].get("name") in others
    )
    return text, people


async def build_turn(ctx: TurnContext, services: Services, dialogs: DialogSet | None, *, text: str = "",
                     action: CardAction | None = None, mentions: tuple[Mention, ...] = ()) -> Turn:
    """The SDK-free Turn for this activity (also used by dialogs that run a command on the user's behalf)."""
    activity = ctx.activity
    actor = actor_of(activity)
    connection = services.settings.oauth_connection_name
    return Turn(
        actor=actor,
        where=Where(
            conversation_id=activity.conversation.id,
            conversation_type=activity.conversation.conversation_type or "personal",
            tenant_id=actor.tenant_id,
            team_id=_team_of(activity),
        ),
        conversation=_TurnConversation(ctx, dialogs),
        services=services,
        correlation_id=current_correlation_id(),
        text=text,
        action=action,
        mentions=mentions,
        roles=await services.policy.roles_for(actor),
        tokens=TurnUserTokens(ctx, connection) if connection else None,
    )


class CollegeBot(ActivityHandler):
    """Dispatches each activity kind; policy (tenants, de-duplication, errors) applies to all of them."""

    def __init__(self, services: Services, storage: Storage, dialogs: list[Dialog]) -> None:
        self._services = services
        # Dialogs are per person, also in channels and group chats: one person's open question never takes
        # over someone else's messages, and only they can cancel it.
        self._private_state = PrivateConversationState(storage)
        self._dialog_state = self._private_state.create_property(DIALOG_STATE)
        self._after_sign_in = self._private_state.create_property(AFTER_SIGN_IN)
        self._dialogs = DialogSet(self._dialog_state)
        for dialog in dialogs:
            self._dialogs.add(dialog)
        self._known_service_urls: BoundedMap[str, str] = BoundedMap(KNOWN_CONVERSATIONS)

    # the turn ------------------------------------------------------------------------------------------
    async def on_turn(self, turn_context: TurnContext) -> None:
        correlation_id = new_correlation_id()
        token = set_correlation_id(correlation_id)
        activity = turn_context.activity
        with telemetry.span("turn", activity_type=activity.type or "", invoke=activity.name or None,
                            correlation_id=correlation_id) as span:
            outcome = "ok"
            try:
                if await self._admit(turn_context):
                    await super().on_turn(turn_context)
                    await self._private_state.save_changes(turn_context)
                else:
                    outcome = "not admitted"
            except ETagConflict:
                outcome = "conflict"
                log.warning("conversation state changed during the turn", extra={"activity_type": activity.type})
                await self._deliver_safely(turn_context, Reply(card=error_card(
                    "Two messages crossed", "Something else changed this conversation while I was answering you.",
                    "Please send your message again.")))
            except ReplyFailed as exc:  # the reply target failed, not the bot: no traceback, no retry of the turn
                outcome = "reply failed"
                log.warning("the reply target failed", extra={"activity_type": activity.type, "reason": str(exc)})
                if activity.type == ActivityTypes.invoke or not exc.unreachable:
                    await self._apologise(turn_context, correlation_id)
            except Exception as exc:  # the one place unexpected errors end: logged with the id, the user gets the id
                outcome = "error"
                span.failed(type(exc).__name__)
                telemetry.count(telemetry.ERRORS, kind=type(exc).__name__, where="turn")
                log.exception("unexpected error in turn", extra={"activity_type": activity.type})
                await self._apologise(turn_context, correlation_id)
            finally:
                span.set(outcome=outcome)
                reset_correlation_id(token)
        if activity.type == ActivityTypes.invoke and not turn_context.turn_state.get(BotAdapter._INVOKE_RESPONSE_KEY):
            await self._send_invoke_answer(turn_context, answer_invoke(activity.name, activity.value,
                                                                       self._services.bot_name))

    async def _admit(self, ctx: TurnContext) -> bool:
        """Applies the policies every activity passes: own echoes, tenant allow-list, retries."""
        activity = ctx.activity
        if activity.from_property and activity.recipient and activity.from_property.id == activity.recipient.id:
            return False  # an invoke gets answer_invoke's answer after the turn (404 for a card action)
        allowed = self._services.settings.allowed_tenant_ids
        tenant = _tenant_of(activity)
        if allowed and tenant not in allowed:
            log.warning("activity from a tenant not allowed", extra={"tenant": tenant})
            await self._services.audit.record(
                actor_of(activity), "auth.tenant_rejected", outcome="refused",
                conversation_id=activity.conversation.id if activity.conversation else "",
                detail=f"tenant {tenant or '(none)'}",
            )
            if activity.type == ActivityTypes.invoke:
                await self._send_invoke_answer(ctx, InvokeAnswer(403, {"error": {
                    "code": "Forbidden", "message": "This bot does not serve your organisation."}}))
            return False
        if activity.id and activity.type in (ActivityTypes.message, ActivityTypes.invoke,
                                             ActivityTypes.conversation_update, ActivityTypes.installation_update) \
                and activity.name != QUERY_LINK:  # a link's card only reads: a retry gets it again
            key = f"{activity.channel_id}|{activity.conversation.id}|{activity.id}"
            if not await self._services.store.first_sighting(key, self._services.clock()):
                log.info("retried activity ignored", extra={"activity_id": activity.id})
                if activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION:
                    await self._send_invoke_response(ctx, Reply(text="This action was already handled."))
                return False  # any other invoke gets its (stateless) answer after the turn
        return True

    async def _apologise(self, ctx: TurnContext, correlation_id: str) -> None:
        await self._deliver_safely(ctx, Reply(card=apology_card(correlation_id)))

    async def _deliver_safely(self, ctx: TurnContext, reply: Reply) -> None:
        """The last word of a failed turn: it never raises, or the request would end in a 500."""
        if ctx.activity.type == ActivityTypes.invoke:
            await self._send_invoke_response(ctx, reply)
            return
        try:
            await send_reply(ctx, reply_activity(reply))
        except ReplyFailed as exc:
            log.warning("could not deliver the answer", extra={"reason": str(exc)})
        except Exception:  # already failing: logged with the turn's id, and the request still ends 2xx
            log.exception("could not deliver the answer")

    @staticmethod
    async def _send_invoke_response(ctx: TurnContext, reply: Reply) -> None:
        await ctx.send_activity(Activity(type=ActivityTypes.invoke_response, value=invoke_card_response(reply)))

    @staticmethod
    async def _send_invoke_answer(ctx: TurnContext, answer: InvokeAnswer) -> None:
        await ctx.send_activity(Activity(type=ActivityTypes.invoke_response, value=invoke_answer_response(answer)))

    # building the Turn -----------------------------------------------------------------------------------
    async def _turn(self, ctx: TurnContext, *, text: str = "", action: CardAction | None = None,
                    mentions: tuple[Mention, ...] = ()) -> Turn:
        return await build_turn(ctx, self._services, self._dialogs, text=text, action=action, mentions=mentions)

    async def _remember(self, ctx: TurnContext) -> bool:
        """Stores the conversation reference (for proactive messages); True when the conversation is new."""
        activity = ctx.activity
        conversation_id = activity.conversation.id
        if self._known_service_urls.get(conversation_id) == activity.service_url:
            return False
        reference = TurnContext.get_conversation_reference(activity).serialize()
        reference["tenantId"] = _tenant_of(activity)
        is_new = await self._services.store.save_conversation_reference(conversation_id, reference)
        self._known_service_urls[conversation_id] = activity.service_url
        return is_new

    # messages ------------------------------------------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        await self._remember(turn_context)
        if isinstance(activity.value, dict) and activity.value.get("verb"):  # Action.Submit
            data = {k: v for k, v in activity.value.items() if k != "verb"}
            if _too_long(data):
                await self._deliver(turn_context, Reply(card=_too_long_card("button's data")))
                return
            turn = await self._turn(turn_context, action=CardAction(str(activity.value["verb"]), data,
                                                                      activity.reply_to_id or ""))
            reply = await dispatch.run_action(turn, self._services.registry)
            await self._deliver(turn_context, reply)
            await self._prompt_sign_in(turn_context, turn, reply)
            return

        conversation_type = activity.conversation.conversation_type or "personal"
        mentions = _mention_entities(activity)
        bot_id = activity.recipient.id if activity.recipient else ""
        bot_mentioned = any(m["mentioned"].get("id") == bot_id for m in mentions)
        if conversation_type != "personal" and not bot_mentioned:
            return  # in channels and group chats the bot speaks only when @mentioned
        text, people = read_message(activity, self._services.bot_name)
        if not text and activity.attachments:
            return  # a card someone shared (an unfurled link sent in the chat), not a command: nothing to answer
        if len(text) > MAX_COMMAND_CHARS:
            await self._deliver(turn_context, Reply(card=_too_long_card("message")))
            return
        turn = await self._turn(turn_context, text=text, mentions=people)
        code = magic_code(text) if turn.tokens is not None else ""
        if code:  # the code a sign-in page showed, typed in the chat
            await self._finish_sign_in(turn_context, turn, code=code)
            return

        dc = await self._dialogs.create_context(turn_context)
        first_word = text.split(maxsplit=1)[0].lower() if text else ""
        if dc.active_dialog is not None and first_word not in CANCEL_WORDS:
            result = await dc.continue_dialog()
            if result.status != DialogTurnStatus.Empty:
                return
        reply = await dispatch.run_command(turn, self._services.registry)
        await self._deliver(turn_context, reply)
        await self._prompt_sign_in(turn_context, turn, reply)
        if reply.start_dialog:
            await dc.begin_dialog(reply.start_dialog, dict(reply.dialog_options or {}))

    @staticmethod
    async def _deliver(ctx: TurnContext, reply: Reply) -> None:
        if reply.card is not None or reply.text:
            await send_reply(ctx, reply_activity(reply))

    # per-user sign-in ---------------------------------------------------------------------------------------
    async def _prompt_sign_in(self, ctx: TurnContext, turn: Turn, reply: Reply) -> None:
        """Sends the reply's sign-in card; a clicked button waits for the sign-in, to be carried out after it."""
        if reply.sign_in is None:
            return
        if turn.action is not None:
            await self._after_sign_in.set(ctx, {"verb": turn.action.verb, "data": turn.action.data,
                                                "card": turn.action.card_activity_id,
                                                "at": self._services.clock().timestamp()})
        await send_reply(ctx, MessageFactory.attachment(oauth_card(reply.sign_in)))

    async def _finish_sign_in(self, ctx: TurnContext, turn: Turn, *, code: str = "", token: str | None = None,
                              answer: bool = True) -> bool:
        """Completes a sign-in (a code typed or sent by Teams, or a token the channel handed over), says so, and
        carries out the button clicked before it. False when the code did not sign anyone in."""
        assert turn.tokens is not None
        try:
            token = token or await turn.tokens.redeem(code)
        except UserFacingError as exc:
            await self._deliver(ctx, Reply(card=error_card(exc.title, exc.message, exc.next_step)))
            return False
        audit = self._services.audit
        if not token:
            await audit.record(turn.actor, "signin", outcome="refused", conversation_id=turn.where.conversation_id,
                               detail="the code did not sign anyone in")
            if answer:
                await self._deliver(ctx, Reply(card=code_refused_card()))
            return False
        who = who_signed_in(token)
        await audit.record(turn.actor, "signin", outcome="ok", conversation_id=turn.where.conversation_id,
                           detail=f"signed in to Azure DevOps as {who.upn or who.name}"[:200])
        pending = await self._after_sign_in.get(ctx)
        if pending is not None:
            await self._after_sign_in.delete(ctx)
        fresh = isinstance(pending, dict) and self._services.clock().timestamp() - float(
            pending.get("at") or 0) < PENDING_TTL_S
        if answer:
            await self._deliver(ctx, Reply(card=signed_in_card(who.name or who.upn, who.upn,
                                                               resuming=bool(fresh))))
        if fresh:
            await self._resume(ctx, pending)
        return True

    async def _resume(self, ctx: TurnContext, pending: dict[str, Any]) -> None:
        """Carries out the button a person clicked before signing in, on the card they clicked."""
        data = pending.get("data") if isinstance(pending.get("data"), dict) else {}
        card_id = str(pending.get("card") or "")
        turn = await self._turn(ctx, action=CardAction(str(pending.get("verb") or ""), data, card_id))
        reply = await dispatch.run_action(turn, self._services.registry)
        if (reply.card is None and not reply.text) or card_id in getattr(turn.conversation, "updated", ()):
            return  # nothing to show, or the handler showed it on the card already
        if card_id and reply.card is not None:
            try:
                await turn.conversation.update(card_id, reply)
                return
            except ReplyFailed as exc:
                log.info("could not update the card after sign-in", extra={"reason": str(exc)[:100]})
        await self._deliver(ctx, reply)

    async def on_token_response_event(self, turn_context: TurnContext) -> None:
        """Web Chat, the Emulator and the Agents Playground hand over the token after a sign-in."""
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        turn = await self._turn(turn_context)
        if turn.tokens is None or value.get("connectionName") != turn.tokens.connection:
            return
        # the event's token is not trusted: the token service says whether this person is signed in
        try:
            token = await turn.tokens.token()
        except UserFacingError:
            return
        if token:
            await self._finish_sign_in(turn_context, turn, code="", token=token)

    async def _sign_in_invoke(self, ctx: TurnContext, turn: Turn, name: str, value: dict[str, Any]
                              ) -> InvokeResponse:
        """Teams' sign-in invokes: the code after the sign-in popup (verifyState), or single sign-on's token
        (tokenExchange; 412 asks Teams to show the Sign in button instead)."""
        assert turn.tokens is not None
        if name == VERIFY_STATE:
            done = await self._finish_sign_in(ctx, turn, code=str(value.get("state") or "")[:64], answer=True)
            return InvokeResponse(status=200 if done else 404)
        connection = turn.tokens.connection
        if value.get("connectionName") != connection or not value.get("token"):
            return InvokeResponse(status=400, body={"id": value.get("id"), "connectionName": connection,
                                                    "failureDetail": "unknown connection or no token"})
        token = await turn.tokens.exchange(str(value["token"]))
        if not token:
            return InvokeResponse(status=412, body={"id": value.get("id"), "connectionName": connection,
                                                    "failureDetail": "The token could not be exchanged."})
        await self._finish_sign_in(ctx, turn, token=token)
        return InvokeResponse(status=200, body={"id": value.get("id"), "connectionName": connection})

    # invokes: card actions (Action.Execute) and links (bot.unfurl) here, every other name by bot.invoke_answers --
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name == QUERY_LINK:
            return invoke_answer_response(await unfurl(await self._turn(turn_context), activity.value))
        if activity.name in (VERIFY_STATE, TOKEN_EXCHANGE) and self._services.settings.oauth_connection_name:
            value = activity.value if isinstance(activity.value, dict) else {}
            return await self._sign_in_invoke(turn_context, await self._turn(turn_context), activity.name, value)
        if activity.name != CARD_ACTION:
            answer = answer_invoke(activity.name, activity.value, self._services.bot_name)
            log.info("invoke answered without action", extra={"invoke": (activity.name or "")[:100],
                                                              "status": answer.status})
            return invoke_answer_response(answer)
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        if _too_long(data):
            return invoke_card_response(Reply(card=_too_long_card("button's data")))
        turn = await self._turn(turn_context, action=CardAction(str(action.get("verb") or ""), data,
                                                                activity.reply_to_id or ""))
        if turn.tokens is not None:  # Universal Actions after a sign-in Teams ran: a code, or an SSO token
            authentication = value.get("authentication") if isinstance(value.get("authentication"), dict) else {}
            try:
                if isinstance(value.get("state"), str) and value["state"]:
                    await turn.tokens.redeem(value["state"][:64])
                elif authentication.get("token"):
                    await turn.tokens.exchange(str(authentication["token"]))
            except UserFacingError:
                pass  # the action itself then asks for a sign-in, or says the service is down
        reply = await dispatch.run_action(turn, self._services.registry)
        await self._prompt_sign_in(turn_context, turn, reply)
        return invoke_card_response(reply)

    # installs and membership -------------------------------------------------------------------------------
    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome(turn_context)
        await resume_reachable(self._services, turn_context.activity.conversation.id)  # paused while it was away

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """Uninstalled: forget the conversation, so nothing is sent there any more (a reinstall welcomes again)."""
        conversation_id = turn_context.activity.conversation.id
        self._known_service_urls.pop(conversation_id, None)
        if await self._services.store.delete_conversation_reference(conversation_id):
            log.info("conversation forgotten after uninstall")

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added):
            await self._welcome(turn_context)

    async def _welcome(self, ctx: TurnContext) -> None:
        """One welcome card per conversation, however many install events arrive."""
        if await self._remember(ctx):
            in_team = (ctx.activity.conversation.conversation_type or "personal") != "personal"
            card = welcome_card(self._services.bot_name, in_team)
            await send_reply(ctx, reply_activity(Reply(card=card)))
