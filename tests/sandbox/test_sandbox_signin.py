"""The sandbox's Bot Framework token service, seen through botbuilder's own user token client, and its user tokens
acting as a seeded person on the sandbox's Azure DevOps."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import pytest
import requests
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from botframework.connector.auth import ClaimsIdentity, MicrosoftAppCredentials
from botframework.connector.auth._user_token_client_impl import _UserTokenClientImpl
from botframework.connector.token_api.models import TokenExchangeRequest

from tests.sandbox_fixtures import ControlError

CAROL = {"key": "carol", "teams_id": "29:1carol-college", "oid": "d5bbd53f-0d26-48bb-b702-60ea12208dcd",
         "upn": "carol@collegeteam.onmicrosoft.com"}
CHANNEL = "msteams"


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def sandbox(devops_sandbox):
    return devops_sandbox


@pytest.fixture
def user_tokens(sandbox):
    """botbuilder's own UserTokenClient over TokenApiClient, anonymous (no app id), as the local bot builds it."""
    return _UserTokenClientImpl("", MicrosoftAppCredentials.empty(), sandbox.env["OAUTH_URL"])


@pytest.fixture
def connection_name(sandbox):
    return sandbox.env["OAUTH_CONNECTION_NAME"]


def message_from(teams_id: str, aad_object_id: str | None = None) -> Activity:
    return Activity(type=ActivityTypes.message, id="act-1", channel_id=CHANNEL, text="approvals",
                    service_url="http://127.0.0.1:9/_connector",
                    from_property=ChannelAccount(id=teams_id, name="Someone", aad_object_id=aad_object_id),
                    recipient=ChannelAccount(id="28:bot", name="College Bot"),
                    conversation=ConversationAccount(id="a:college-personal-chat-carol"))


def ado(sandbox, path: str, token: str) -> requests.Response:
    return requests.get(f"{sandbox.org_url}/{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_the_sandbox_prints_the_token_service_settings(sandbox):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox.env["OAUTH_URL"])
    assert sandbox.env["OAUTH_CONNECTION_NAME"] == "AzureDevOps"
    assert sandbox.info()["origins"]["token"] == sandbox.env["OAUTH_URL"]


def test_no_token_before_sign_in_then_the_token_after_the_control_api_signs_carol_in(sandbox, user_tokens,
                                                                                       connection_name):
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None)) is None
    signed = sandbox.sign_in("carol", connection=connection_name)
    assert (signed["person"], signed["user_id"], signed["upn"]) == ("carol", CAROL["teams_id"], CAROL["upn"])
    token = run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None))
    assert token.token == signed["token"] and token.connection_name == connection_name
    assert token.channel_id == CHANNEL and token.expiration
    status = run(user_tokens.get_token_status(CAROL["teams_id"], CHANNEL, None))
    assert [(s.connection_name, s.has_token) for s in status] == [(connection_name, True)]
    assert [s["person"] for s in sandbox.signed_in()] == ["carol"]


def test_sign_in_resource_page_and_magic_code(sandbox, user_tokens, connection_name):
    activity = message_from(CAROL["teams_id"], CAROL["oid"])
    resource = run(user_tokens.get_sign_in_resource(connection_name, activity, None))
    assert resource.sign_in_link.startswith(sandbox.env["OAUTH_URL"] + "/api/oauth/signin?signin=")
    assert resource.token_exchange_resource.provider_id and resource.token_exchange_resource.id
    page = requests.get(resource.sign_in_link, timeout=10)
    assert page.status_code == 200
    assert page.text.index("data-person='carol'") < page.text.index("data-person='alice'")  # the state's person first
    shown = requests.post(resource.sign_in_link, data={"person": "carol"}, timeout=10)
    code = re.search(r"id='magic-code'>(\d{6})<", shown.text).group(1)
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, "000000" if code != "000000"
                                          else "111111")) is None  # a wrong code signs no one in
    token = run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, code))
    assert token is not None and token.token
    me = ado(sandbox, "_apis/connectionData", token.token).json()["authenticatedUser"]
    assert me["properties"]["Account"]["$value"] == CAROL["upn"]
    assert requests.get(resource.sign_in_link, timeout=10).status_code == 404  # the link is used up


def test_the_page_can_sign_in_someone_else_and_answers_json(sandbox, user_tokens, connection_name):
    resource = run(user_tokens.get_sign_in_resource(connection_name, message_from("29:someone-unknown"), None))
    answer = requests.post(resource.sign_in_link, data={"person": "dave"}, headers={"Accept": "application/json"},
                           timeout=10).json()
    assert answer["person"] == "dave"
    token = run(user_tokens.get_user_token("29:someone-unknown", connection_name, CHANNEL, answer["code"]))
    me = ado(sandbox, "_apis/connectionData", token.token).json()["authenticatedUser"]
    assert me["properties"]["Account"]["$value"] == "dave@collegeteam.onmicrosoft.com"


def test_sign_out_through_botbuilder_and_the_control_api(sandbox, user_tokens, connection_name):
    sandbox._call("POST", "signin", {"person": "carol"})
    run(user_tokens.sign_out_user(CAROL["teams_id"], connection_name, CHANNEL))
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None)) is None
    sandbox._call("POST", "signin", {"person": "carol"})
    assert sandbox.sign_out("carol") == 1
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None)) is None


def test_reset_signs_everyone_out(sandbox, user_tokens, connection_name):
    sandbox._call("POST", "signin", {"person": "carol"})
    sandbox._call("POST", "signin", {"person": "dave"})
    sandbox.reset()
    assert sandbox._call("GET", "signin") == []
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None)) is None


def test_an_unknown_connection_gets_the_service_error(sandbox, user_tokens):
    from botframework.connector.token_api.models import ErrorResponseException

    with pytest.raises(ErrorResponseException) as raised:
        run(user_tokens.get_user_token(CAROL["teams_id"], "NoSuchConnection", CHANNEL, None))
    assert "Could not find Connection Setting with name 'NoSuchConnection'" in raised.value.response.text
    with pytest.raises(ControlError, match="400"):
        sandbox._call("POST", "signin", {"person": "carol", "connection": "NoSuchConnection"})
    with pytest.raises(ControlError, match="400"):
        sandbox._call("POST", "signin", {"person": "nobody"})


def test_the_token_acts_as_that_person_on_azure_devops(sandbox):
    from azure.devops.connection import Connection
    from msrest.authentication import BasicTokenAuthentication

    token = sandbox._call("POST", "signin", {"person": "carol"})["token"]
    me = ado(sandbox, "_apis/connectionData", token).json()["authenticatedUser"]
    assert me["providerDisplayName"] == "Carol Approver"
    pat_owner = requests.get(f"{sandbox.org_url}/_apis/connectionData", auth=("", sandbox.pat), timeout=10).json()
    assert pat_owner["authenticatedUser"]["providerDisplayName"] == "Alice Admin"
    sdk = Connection(base_url=sandbox.org_url, creds=BasicTokenAuthentication({"access_token": token}))
    assert "College" in [p.name for p in sdk.clients_v7_1.get_core_client().get_projects()]


def test_expired_forged_and_foreign_tokens_get_401(sandbox, user_tokens, connection_name):
    token = sandbox._call("POST", "signin", {"person": "carol"})["token"]
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert ado(sandbox, "_apis/projects", forged).status_code == 401
    assert ado(sandbox, "_apis/projects", "not-a-token").status_code == 401
    frank = sandbox._call("POST", "signin", {"person": "frank"})["token"]  # in the tenant, not the organization
    refused = ado(sandbox, "_apis/projects", frank)
    assert refused.status_code == 401 and "TF400813" in refused.text
    sandbox.advance_clock(3600)
    expired = ado(sandbox, "_apis/projects", token)
    assert expired.status_code == 401 and "expired" in expired.text
    fresh = run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None))  # refreshed
    assert fresh.token != token and ado(sandbox, "_apis/projects", fresh.token).status_code == 200


def test_exchange_signs_in_with_a_token_of_the_sandbox_entra(sandbox, user_tokens, connection_name):
    token = sandbox._call("POST", "signin", {"person": "carol", "user_id": "29:other-device"})["token"]
    exchanged = run(user_tokens.exchange_token(CAROL["teams_id"], connection_name, CHANNEL,
                                               TokenExchangeRequest(token=token)))
    assert exchanged.token
    assert ado(sandbox, "_apis/connectionData", exchanged.token).json()["authenticatedUser"][
        "providerDisplayName"] == "Carol Approver"
    failed = run(user_tokens.exchange_token("29:1dave-college", connection_name, CHANNEL,
                                            TokenExchangeRequest(token="forged")))
    assert failed is None or failed.token is None


def test_botbuilder_configuration_reads_oauth_url(sandbox, connection_name):
    """ConfigurationBotFrameworkAuthentication reads ``OAUTH_URL``; its user token client then reaches the sandbox."""
    from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", OAUTH_URL=sandbox.env["OAUTH_URL"])
    auth = ConfigurationBotFrameworkAuthentication(config)
    client = run(auth.create_user_token_client(ClaimsIdentity({}, True)))
    sandbox._call("POST", "signin", {"person": "carol"})
    assert run(client.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None)).token


def test_a_magic_code_expires_and_a_session_ends_after_90_idle_days(sandbox, user_tokens, connection_name):
    resource = run(user_tokens.get_sign_in_resource(connection_name, message_from(CAROL["teams_id"]), None))
    code = requests.post(resource.sign_in_link, data={"person": "carol"}, headers={"Accept": "application/json"},
                         timeout=10).json()["code"]
    sandbox.advance_clock(11 * 60)
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, code)) is None
    sandbox._call("POST", "signin", {"person": "carol"})
    sandbox.advance_clock(89 * 86400)
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None)) is not None
    sandbox.advance_clock(91 * 86400)
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None)) is None


def test_sign_in_url_status_filter_and_logged_faults(sandbox, user_tokens, connection_name):
    client = user_tokens._client
    state = user_tokens.create_token_exchange_state("", connection_name, message_from(CAROL["teams_id"]))
    link = run(client.bot_sign_in.get_sign_in_url(state))
    assert link.startswith(sandbox.env["OAUTH_URL"] + "/api/oauth/signin?signin=")
    assert run(user_tokens.get_token_status(CAROL["teams_id"], CHANNEL, "SomethingElse")) == []
    sandbox.add_fault(path_regex="/api/usertoken/GetToken", status=503, count=1)
    since = sandbox.last_seq()
    assert run(user_tokens.get_user_token(CAROL["teams_id"], connection_name, CHANNEL, None)) is None
    logged = [(r["origin"], r["status"]) for r in sandbox.requests(since) if r["path"].endswith("/GetToken")]
    assert logged == [("token", 503), ("token", 404)]  # msrest retries a GET after a 503
