"""Every invoke name gets the answer Teams expects for it (bot/invoke_answers.py), never 501 or an exception."""

from __future__ import annotations

import pytest
from botbuilder.schema import TokenExchangeInvokeResponse
from botbuilder.schema.teams import (
    MessagingExtensionActionResponse,
    MessagingExtensionResult,
    TabResponse,
    TaskModuleResponse,
)

from bot.invoke_answers import ANSWERS, CANNOT_EXCHANGE
from tests.harness.cards import assert_valid_card
from tests.harness.invokes import INVOKE_VALUES
from tests.harness.people import team

EXTENSION_RESULT = (MessagingExtensionResult, "composeExtension")  # MessagingExtensionResponse's msrest map is broken
MODEL_OF = {  # the botbuilder model each answer body (or the part under a key) must read as
    "task/fetch": (TaskModuleResponse, ""), "task/submit": (TaskModuleResponse, ""),
    "message/fetchTask": (TaskModuleResponse, ""),
    "composeExtension/submitAction": (MessagingExtensionActionResponse, ""),
    "composeExtension/fetchTask": (MessagingExtensionActionResponse, ""),
    "composeExtension/query": EXTENSION_RESULT, "composeExtension/queryLink": EXTENSION_RESULT,
    "composeExtension/anonymousQueryLink": EXTENSION_RESULT, "composeExtension/selectItem": EXTENSION_RESULT,
    "composeExtension/querySettingUrl": EXTENSION_RESULT,
    "tab/fetch": (TabResponse, ""), "tab/submit": (TabResponse, ""),
    "signin/tokenExchange": (TokenExchangeInvokeResponse, ""),
}
NO_BODY = {"signin/verifyState", "signin/failure", "composeExtension/setting", "composeExtension/onCardButtonClicked",
           "fileConsent/invoke", "actionableMessage/executeAction", "message/submitAction", "handoff/action"}


def invoke(teams, name, value=None, **kw):
    return teams.activity("invoke", name=name, value=INVOKE_VALUES.get(name, {}) if value is None else value, **kw)


def cards_in(body) -> list[dict]:
    found = []
    if isinstance(body, dict):
        if body.get("type") == "AdaptiveCard":
            found.append(body)
        for item in body.values():
            found += cards_in(item)
    elif isinstance(body, list):
        for item in body:
            found += cards_in(item)
    return found


@pytest.mark.parametrize("name", sorted(ANSWERS))
async def test_each_invoke_name_gets_its_shape(teams, name):
    status, body = await teams.post(invoke(teams, name))
    assert status in (200, 404, 412), (status, body)
    if name in NO_BODY:
        assert body is None
    elif name in MODEL_OF:
        model, key = MODEL_OF[name]
        assert model.deserialize(body[key] if key else body).serialize(), body
    for card in cards_in(body):
        assert_valid_card(card)
    assert teams.connector.sent == []  # an invoke's answer is the HTTP response, nothing is posted


async def test_token_exchange_answers_412_so_teams_shows_the_sign_in_card(teams):
    status, body = await teams.post(invoke(teams, "signin/tokenExchange"))
    assert status == 412
    assert body == {"id": "x1", "connectionName": "devops", "failureDetail": CANNOT_EXCHANGE}
    status, body = await teams.post(invoke(teams, "signin/tokenExchange", value="not a request"))
    assert status == 400 and "missing a TokenExchangeInvokeRequest" in body["failureDetail"]


async def test_verify_state_answers_404_like_the_oauth_prompt(teams):
    assert await teams.post(invoke(teams, "signin/verifyState")) == (404, None)


async def test_config_tab_and_search_answers(teams):
    _, body = await teams.post(invoke(teams, "config/fetch"))
    assert body["responseType"] == "config" and body["config"]["type"] == "continue"
    assert body["config"]["value"]["card"]["contentType"] == "application/vnd.microsoft.card.adaptive"
    _, body = await teams.post(invoke(teams, "config/submit"))
    assert body["config"]["type"] == "message" and "help" in body["config"]["value"]
    _, body = await teams.post(invoke(teams, "tab/fetch"))
    assert body["tab"]["type"] == "continue" and len(body["tab"]["value"]["cards"]) == 1
    _, body = await teams.post(invoke(teams, "application/search"))
    assert body == {"statusCode": 200, "type": "application/vnd.microsoft.search.searchResponse",
                    "value": {"results": []}}


@pytest.mark.parametrize("name", ["no/such/invoke", "", None])
async def test_unknown_or_missing_names_get_a_documented_404(teams, name):
    status, body = await teams.post(invoke(teams, name))
    assert status == 404 and body["error"]["code"] == "NotSupported"


@pytest.mark.parametrize("value", [None, "text", 5, [1, 2], {"action": "x"}, {"action": {"verb": ["x"]}}])
async def test_card_actions_with_odd_values_still_answer_a_card(teams, value):
    activity = teams.activity("invoke", name="adaptiveCard/action")
    activity["value"] = value
    status, body = await teams.post(activity)
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(body["value"])


async def test_a_retried_invoke_gets_the_same_answer(teams):
    first = await teams.post(invoke(teams, "task/fetch", activity_id="same-id"))
    assert await teams.post(invoke(teams, "task/fetch", activity_id="same-id")) == first


async def test_an_invoke_from_a_tenant_not_allowed_gets_403(make_bot):
    teams = await make_bot(ALLOWED_TENANT_IDS=team()["tenant_id"])
    status, body = await teams.post(invoke(teams, "task/fetch", tenant="00000000-0000-0000-0000-000000000bad"))
    assert status == 403 and body["error"]["code"] == "Forbidden"
    status, _ = await teams.post(teams.activity("invoke", name="adaptiveCard/action", value={},
                                                tenant="00000000-0000-0000-0000-000000000bad"))
    assert status == 403


async def test_the_bots_own_invoke_echo_is_answered_not_acted_on(teams):
    echo = invoke(teams, "adaptiveCard/action", value={"action": {"verb": "help.command", "data": {}}})
    echo["from"] = dict(echo["recipient"])
    status, _ = await teams.post(echo)
    assert status == 404 and teams.connector.sent == []
