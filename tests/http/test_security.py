"""Inbound authentication, request hygiene, tenant allow-list and unexpected errors, over HTTP."""

from __future__ import annotations

import logging

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cards import verbs
from tests.harness.cards import assert_valid_card, card_texts
from tests.harness.issuer import ISSUER, TokenIssuer
from tests.harness.people import team

APP_ID = team()["bot"]["id"]
APP_PASSWORD = "app-password-that-must-never-be-logged"


@pytest.fixture
async def issuer(aiohttp_server):
    token_issuer = TokenIssuer()
    server = await aiohttp_server(token_issuer.app(), host="127.0.0.1")
    token_issuer.url = str(server.make_url("")).rstrip("/")
    return token_issuer


@pytest.fixture
async def secured(make_bot, issuer):
    client = await make_bot(
        DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=False,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword=APP_PASSWORD,
        BOT_OPENID_METADATA_URL=issuer.metadata_url,
        BOT_TOKEN_ISSUER=ISSUER,
    )
    return client


def _invoke(teams):
    return teams.activity("invoke", name="adaptiveCard/action",
                          value={"action": {"type": "Action.Execute", "verb": verbs.HELP_COMMAND, "data": {}}})


async def test_correctly_signed_token_is_accepted(secured, issuer):
    token = issuer.token(APP_ID, secured.service_url)
    status, body = await secured.post(_invoke(secured), {"Authorization": f"Bearer {token}"})
    assert status == 200
    assert_valid_card(body["value"])


@pytest.mark.parametrize("case", ["missing", "malformed", "not-bearer", "expired", "wrong-key", "wrong-audience",
                                  "wrong-issuer", "wrong-service-url"])
async def test_bad_tokens_get_401_never_500(secured, issuer, case):
    service_url = secured.service_url
    headers = {
        "missing": {},
        "malformed": {"Authorization": "Bearer not.a.jwt"},
        "not-bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
        "expired": {"Authorization": "Bearer " + issuer.token(APP_ID, service_url, expires_in=-3600)},
        "wrong-key": {"Authorization": "Bearer " + issuer.token(
            APP_ID, service_url, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))},
        "wrong-audience": {"Authorization": "Bearer " + issuer.token(APP_ID, service_url, audience="someone-else")},
        "wrong-issuer": {"Authorization": "Bearer " + issuer.token(APP_ID, service_url, issuer="https://evil")},
        "wrong-service-url": {"Authorization": "Bearer " + issuer.token(APP_ID, "https://elsewhere.example")},
    }[case]
    status, _ = await secured.post(_invoke(secured), headers)
    assert status == 401
    assert secured.connector.sent == []


async def test_body_checks(teams):
    http = teams.http
    response = await http.post("/api/messages", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status == 400
    response = await http.post("/api/messages", data=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status == 415
    response = await http.post("/api/messages", data=b"{}")
    assert response.status == 415
    response = await http.post("/api/messages", json=[1, 2])
    assert response.status == 400
    response = await http.post("/api/messages", json={"type": "message"})
    assert response.status == 400
    big = teams.activity("message", text="x" * (300 * 1024))
    response = await http.post("/api/messages", json=big)
    assert response.status == 413
    response = await http.get("/api/messages")
    assert response.status == 405


async def test_local_mode_refuses_non_loopback_service_urls(teams):
    activity = teams.activity("message", text="help")
    activity["serviceUrl"] = "https://smba.trafficmanager.net/emea/"
    status, _ = await teams.post(activity)
    assert status == 403
    assert teams.connector.sent == []


async def test_activities_from_other_tenants_are_ignored_and_audited(make_bot):
    teams = await make_bot(ALLOWED_TENANT_IDS=team()["tenant_id"])
    assert await teams.say("help", tenant="00000000-0000-0000-0000-000000000bad") == []
    card = await teams.ask("audit 3")
    text = " ".join(card_texts(card))
    assert "auth.tenant_rejected" in text and "00000000-0000-0000-0000-000000000bad" in text


async def test_unexpected_error_gives_only_a_correlation_id(teams, monkeypatch, caplog):
    from bot.commands import general

    def explode(*args, **kwargs):
        raise RuntimeError("database password=hunter2 leaked in an exception")

    monkeypatch.setattr(general, "whoami_card", explode)
    with caplog.at_level(logging.ERROR):
        card = await teams.ask("whoami")
    text = " ".join(card_texts(card))
    assert "something went wrong" in text.lower()
    assert "hunter2" not in text and "RuntimeError" not in text and "Traceback" not in text
    (record,) = [r for r in caplog.records if r.getMessage() == "unexpected error in turn"]
    from bot.logging_setup import JsonFormatter, Redactor

    logged = JsonFormatter(Redactor()).format(record)
    correlation_id = text.split("**")[-2]
    assert correlation_id in logged
    assert "hunter2" not in logged


async def test_unexpected_error_in_a_card_action_answers_200_with_the_id(teams, monkeypatch):
    from bot.commands import general

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(general, "command_help_card", explode)
    status, card = await teams.click(verbs.HELP_COMMAND, {"command": "whoami"})
    assert status == 200
    assert "Reference" in " ".join(card_texts(card)) or "reference" in " ".join(card_texts(card))


async def test_healthz_and_readyz(teams):
    response = await teams.http.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["auth"] == "off" and body["backend"] == "none" and body["backends"] == {} and body["version"]
    response = await teams.http.get("/readyz")
    body = await response.json()
    assert response.status == 200 and body["dependencies"]["store"]["state"] == "ok"
    assert isinstance(body["dependencies"]["store"]["ms"], float)
    assert "sqlite" not in str(body) and "/" not in str(body)


async def test_readyz_is_503_when_the_store_is_down(teams):
    from app import RUNTIME

    await teams.http.app[RUNTIME].services.store.close()
    response = await teams.http.get("/readyz")
    body = await response.json()
    assert response.status == 503 and body["dependencies"]["store"]["state"] == "down"


