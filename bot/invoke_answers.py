"""The answer to every invoke the bot does not act on, in the shape Teams expects for that invoke name.

botbuilder 4.17.1 answers any invoke its handler does not know with HTTP 501, and `signin/tokenExchange`
reaches a method that does not exist (AttributeError). Teams shows a generic error for both. Here each name
Teams (or the Bot Framework) sends has a well-formed answer; `adaptiveCard/action` is the bot's own
(bot/teams_edge.py). Shapes and sources, per name:

- `signin/tokenExchange` (SSO): 412 TokenExchangeInvokeResponse `{id, connectionName, failureDetail}`, so
  Teams falls back to the sign-in card; 400 with the same shape when the value is not a
  TokenExchangeInvokeRequest. As botbuilder's OAuthPrompt and TeamsSSOTokenExchangeMiddleware answer when
  they cannot exchange (.venv botbuilder/dialogs/prompts/oauth_prompt.py,
  botbuilder/core/teams/teams_sso_token_exchange_middleware.py; botbuilder-dotnet#4131). Per-user sign-in
  comes in a later issue; until then the bot never holds a token to exchange.
- `signin/verifyState`: 404 without a body, OAuthPrompt's answer when the code yields no token (same file).
- `signin/failure`: 200 without a body; Teams reports a failed SSO attempt (microsoft/teams.ts invoke routes).
- `application/search` (Adaptive Card typeahead): 200 `{statusCode: 200, type:
  "application/vnd.microsoft.search.searchResponse", value: {results: []}}` (botbuilder-js SearchInvokeResponse;
  learn.microsoft.com .../dynamic-search).
- `task/fetch`, `task/submit`, `message/fetchTask`: 200 TaskModuleResponse `{task: {type: "message", value}}`
  (botbuilder.schema.teams TaskModuleMessageResponse; msteams-docs task-modules "invoking-task-modules").
- `composeExtension/query`, `/selectItem`, `/querySettingUrl`: 200
  MessagingExtensionResponse `{composeExtension: {type: "message", text}}` (MessagingExtensionResult).
- `composeExtension/queryLink` (link unfurling) is the bot's own (bot/unfurl.py); when it is not acted on (an echo,
  a tenant not allowed gets 403) its answer is no_card(), a `result` without attachments: Teams shows the link as it
  would without the bot. `composeExtension/anonymousQueryLink` (zero-install unfurling, someone the bot cannot
  identify; the manifest does not ask for it) gets no_card() too: that invoke may only be answered with `result` or
  `auth` (msteams-docs link-unfurling, "Zero install for link unfurling").
- `composeExtension/submitAction`, `/fetchTask`: 200 MessagingExtensionActionResponse `{task: {type:
  "message", value}}`.
- `composeExtension/setting`, `/onCardButtonClicked`, `fileConsent/invoke`, `actionableMessage/executeAction`,
  `message/submitAction` (feedback buttons), `handoff/action`: 200 without a body, as botbuilder's
  TeamsActivityHandler answers them after its (empty) handler and as teams.ts types them (void).
- `config/fetch`: 200 ConfigResponse `{responseType: "config", config: {type: "continue", value: <dialog
  with a card>}}` (config/fetch allows only "continue" or "auth"; msteams-docs bot-configuration-experience);
  `config/submit`: 200 `{responseType: "config", config: {type: "message", value}}`.
- `tab/fetch`, `tab/submit`: 200 TabResponse `{tab: {type: "continue", value: {cards: [{card}]}}}`.
- `healthCheck`: 200 HealthCheckResponse `{healthResults: {success: true, messages}}` (botbuilder-dotnet
  ActivityHandler; the diagnostics it adds, the connector's Authorization header among them, are left out).
- any other name, or none: 404 `{error: {code: "NotSupported", message}}` (Bot Framework ErrorResponse). A
  documented refusal instead of botbuilder's 501: the invoke is well-formed, the bot has nothing by that name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cards.unsupported import not_supported_card

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"
CANNOT_EXCHANGE = "The bot is unable to exchange token. Proceed with regular login."
NOT_AN_EXCHANGE = ("The bot received an InvokeActivity that is missing a TokenExchangeInvokeRequest value. "
                   "This is required to be sent with the InvokeActivity.")


@dataclass(frozen=True)
class InvokeAnswer:
    status: int
    body: Any = None


def _chat_only(bot_name: str) -> str:
    return f"{bot_name} works in the chat only: type help to see what it can do."


def _token_exchange(value: Any, bot_name: str) -> InvokeAnswer:
    request = value if isinstance(value, dict) else {}
    ok = all(isinstance(request.get(k), str) and request.get(k) for k in ("id", "connectionName", "token"))
    answer = {
        "id": request.get("id") if isinstance(request.get("id"), str) else None,
        "connectionName": request.get("connectionName") if isinstance(request.get("connectionName"), str) else None,
        "failureDetail": CANNOT_EXCHANGE if ok else NOT_AN_EXCHANGE,
    }
    return InvokeAnswer(412 if ok else 400, answer)


def _task_message(value: Any, bot_name: str) -> InvokeAnswer:
    return InvokeAnswer(200, {"task": {"type": "message", "value": _chat_only(bot_name)}})


def _extension_message(value: Any, bot_name: str) -> InvokeAnswer:
    return InvokeAnswer(200, {"composeExtension": {"type": "message", "text": _chat_only(bot_name)}})


def no_card() -> dict[str, Any]:
    """A messaging extension's result without attachments: nothing to show for that link."""
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": []}}


def _no_card(value: Any, bot_name: str) -> InvokeAnswer:
    return InvokeAnswer(200, no_card())


def _empty(value: Any, bot_name: str) -> InvokeAnswer:
    return InvokeAnswer(200)


def _dialog(bot_name: str, feature: str) -> dict[str, Any]:
    return {"title": bot_name, "height": "small", "width": "small",
            "card": {"contentType": ADAPTIVE_CARD, "content": not_supported_card(bot_name, feature)}}


def _config_fetch(value: Any, bot_name: str) -> InvokeAnswer:
    return InvokeAnswer(200, {"responseType": "config",
                              "config": {"type": "continue", "value": _dialog(bot_name, "settings")}})


def _config_submit(value: Any, bot_name: str) -> InvokeAnswer:
    return InvokeAnswer(200, {"responseType": "config", "config": {"type": "message", "value": _chat_only(bot_name)}})


def _tab(value: Any, bot_name: str) -> InvokeAnswer:
    card = not_supported_card(bot_name, "tab")
    return InvokeAnswer(200, {"tab": {"type": "continue", "value": {"cards": [{"card": card}]}}})


def _search(value: Any, bot_name: str) -> InvokeAnswer:
    return InvokeAnswer(200, {"statusCode": 200, "type": SEARCH_RESPONSE, "value": {"results": []}})


def _health(value: Any, bot_name: str) -> InvokeAnswer:
    return InvokeAnswer(200, {"healthResults": {"success": True, "messages": ["Health check succeeded."]}})


ANSWERS: dict[str, Callable[[Any, str], InvokeAnswer]] = {
    "signin/tokenExchange": _token_exchange,
    "signin/verifyState": lambda value, bot_name: InvokeAnswer(404),
    "signin/failure": _empty,
    "application/search": _search,
    "task/fetch": _task_message,
    "task/submit": _task_message,
    "message/fetchTask": _task_message,
    "composeExtension/query": _extension_message,
    "composeExtension/queryLink": _no_card,
    "composeExtension/anonymousQueryLink": _no_card,
    "composeExtension/selectItem": _extension_message,
    "composeExtension/querySettingUrl": _extension_message,
    "composeExtension/submitAction": _task_message,
    "composeExtension/fetchTask": _task_message,
    "composeExtension/setting": _empty,
    "composeExtension/onCardButtonClicked": _empty,
    "fileConsent/invoke": _empty,
    "actionableMessage/executeAction": _empty,
    "message/submitAction": _empty,
    "handoff/action": _empty,
    "config/fetch": _config_fetch,
    "config/submit": _config_submit,
    "tab/fetch": _tab,
    "tab/submit": _tab,
    "healthCheck": _health,
}


def answer_invoke(name: str | None, value: Any, bot_name: str) -> InvokeAnswer:
    """The answer for an invoke the bot does not act on (never raises, whatever the value)."""
    handler = ANSWERS.get(name or "")
    if handler is None:
        return InvokeAnswer(404, {"error": {"code": "NotSupported",
                                            "message": f"{bot_name} does not handle this invoke."}})
    return handler(value, bot_name)
