"""The UserTokens port over botbuilder's per-turn UserTokenClient (the Bot Framework token service), and the
OAuth card that starts a sign-in. The client is the one CloudAdapter builds for the turn (confined to loopback in
local mode, pointed at OAUTH_URL when set: bot/http_edge.py)."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import CardFactory, CloudAdapterBase, TurnContext
from botbuilder.schema import ActionTypes, Attachment, CardAction, OAuthCard
from botframework.connector.token_api.models import TokenExchangeRequest
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.errors import ServiceUnavailable
from bot.sign_in import SignInPrompt

log = logging.getLogger(__name__)

_FAILURES = (HttpOperationError, ClientRequestError, OSError, TimeoutError)


def _unavailable(doing: str) -> ServiceUnavailable:
    return ServiceUnavailable(f"The sign-in service did not answer ({doing}).", title="Sign-in is unavailable",
                              next_step="Try again in a minute. If it keeps failing, an admin should check the "
                              "Azure Bot's OAuth connection (OAUTH_CONNECTION_NAME).")


class TurnUserTokens:
    """This turn's person at the token service, for the OAuth connection ``connection``."""

    def __init__(self, ctx: TurnContext, connection: str) -> None:
        self._ctx = ctx
        self.connection = connection

    def _client(self) -> Any:
        client = self._ctx.turn_state.get(CloudAdapterBase.USER_TOKEN_CLIENT_KEY)
        if client is None:
            raise _unavailable("no token client for this turn")
        return client

    @property
    def _user_id(self) -> str:
        sender = self._ctx.activity.from_property
        return (sender.id if sender else "") or ""

    async def _get(self, code: str | None) -> str | None:
        if not self._user_id:
            return None
        try:
            found = await self._client().get_user_token(self._user_id, self.connection,
                                                        self._ctx.activity.channel_id or "", code)
        except _FAILURES as exc:
            log.warning("token service failed", extra={"call": "GetToken", "reason": type(exc).__name__})
            raise _unavailable("reading your sign-in") from None
        return (found.token or None) if found is not None else None

    async def token(self) -> str | None:
        return await self._get(None)

    async def redeem(self, code: str) -> str | None:
        return await self._get(code)

    async def exchange(self, token: str) -> str | None:
        try:
            found = await self._client().exchange_token(self._user_id, self.connection,
                                                        self._ctx.activity.channel_id or "",
                                                        TokenExchangeRequest(token=token))
        except _FAILURES as exc:
            log.info("token exchange failed", extra={"reason": type(exc).__name__})
            return None
        return getattr(found, "token", None) or None

    async def sign_in_link(self) -> str:
        try:
            resource = await self._client().get_sign_in_resource(self.connection, self._ctx.activity, None)
        except _FAILURES as exc:
            log.warning("token service failed", extra={"call": "GetSignInResource", "reason": type(exc).__name__})
            raise _unavailable("starting a sign-in") from None
        return str(resource.sign_in_link or "")

    async def sign_out(self) -> None:
        try:
            await self._client().sign_out_user(self._user_id, self.connection, self._ctx.activity.channel_id or "")
        except _FAILURES as exc:
            log.warning("token service failed", extra={"call": "SignOut", "reason": type(exc).__name__})
            raise _unavailable("signing you out") from None


def oauth_card(prompt: SignInPrompt) -> Attachment:
    """The token service's OAuth card: Teams (and the Agents Playground) draw a Sign in button for it."""
    return CardFactory.oauth_card(OAuthCard(
        text=prompt.text, connection_name=prompt.connection,
        buttons=[CardAction(type=ActionTypes.signin, title="Sign in", value=prompt.link)]))
