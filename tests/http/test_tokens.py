"""Token edges: every ambiguous or incomplete Authorization is 401 (never 500), and nothing is sent."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from cards import verbs
from tests.harness.issuer import ISSUER
from tests.harness.secured import APP_ID, secured_settings, start_issuer

HOUR = 3600


@pytest.fixture
async def issuer(aiohttp_server):
    return await start_issuer(aiohttp_server)


@pytest.fixture
async def secured(make_bot, issuer):
    return await make_bot(**secured_settings(issuer))


def _invoke(teams):
    return teams.activity("invoke", name="adaptiveCard/action",
                          value={"action": {"type": "Action.Execute", "verb": verbs.HELP_COMMAND, "data": {}}})


async def _post(teams, headers: list[tuple[str, str]]) -> int:
    """Posts an invoke with exactly these header lines (a name may repeat, in any case); returns the status."""
    body = json.dumps(_invoke(teams)).encode()
    lines = ["POST /api/messages HTTP/1.1", f"Host: {teams.http.host}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", "Connection: close", *(f"{name}: {value}" for name, value in headers)]
    reader, writer = await asyncio.open_connection(teams.http.host, teams.http.port)
    writer.write("\r\n".join(lines).encode() + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


def _segment(value: dict | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _good(issuer, teams, **claims):
    return issuer.token(APP_ID, teams.service_url, **claims)


# --- accepted: the forms RFC 6750/7235 allow ------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
async def test_the_bearer_scheme_is_case_insensitive(secured, issuer, scheme):
    assert await _post(secured, [("Authorization", f"{scheme} {_good(issuer, secured)}")]) == 200


async def test_more_than_one_space_after_the_scheme_is_allowed(secured, issuer):
    assert await _post(secured, [("Authorization", f"Bearer   {_good(issuer, secured)}")]) == 200


# --- refused ---------------------------------------------------------------------------------------------------

def _claim_cases(issuer, teams) -> dict[str, str]:
    now = int(time.time())
    return {
        "no exp": _good(issuer, teams, exp=None),
        "exp null": issuer.sign_raw(b'{"alg":"RS256","typ":"JWT","kid":"%s"}' % issuer.kid.encode(),
                                    json.dumps({**issuer.claims(APP_ID, teams.service_url), "exp": None}).encode()),
        "exp a string": _good(issuer, teams, exp=str(now + HOUR)),
        "exp true": _good(issuer, teams, exp=True),
        "exp NaN": _raw_claims(issuer, teams, b'"exp": NaN'),
        "exp Infinity": _raw_claims(issuer, teams, b'"exp": Infinity'),
        "exp 1e400": _raw_claims(issuer, teams, b'"exp": 1e400'),
        "exp beyond int digits": _raw_claims(issuer, teams, b'"exp": ' + b"9" * 5000),
        "expired an hour ago": _good(issuer, teams, expires_in=-HOUR),
        "nbf in ten minutes": _good(issuer, teams, nbf=now + 600),
        "nbf in an hour": _good(issuer, teams, nbf=now + HOUR),
        "nbf a string": _good(issuer, teams, nbf=str(now - 60)),
        "iat in an hour": _good(issuer, teams, iat=now + HOUR),
        "aud a list with the bot": _good(issuer, teams, aud=[APP_ID, "someone-else"]),
        "aud a list of only the bot": _good(issuer, teams, aud=[APP_ID]),
        "no aud": _without(issuer, teams, "aud"),
        "no serviceurl": _good(issuer, teams, serviceurl=None),
        "no iss": _good(issuer, teams, iss=None),
        "payload not an object": issuer.sign_raw(_header(issuer), b'["exp"]'),
        "payload not JSON": issuer.sign_raw(_header(issuer), b"exp"),
    }


def _header(issuer, **more) -> bytes:
    return json.dumps({"alg": "RS256", "typ": "JWT", "kid": issuer.kid, **more}).encode()


def _raw_claims(issuer, teams, exp: bytes) -> str:
    claims = issuer.claims(APP_ID, teams.service_url, exp=None)
    return issuer.sign_raw(_header(issuer), json.dumps(claims)[:-1].encode() + b", " + exp + b"}")


def _without(issuer, teams, name):
    claims = issuer.claims(APP_ID, teams.service_url)
    del claims[name]
    return issuer.sign_raw(_header(issuer), json.dumps(claims).encode())


def _duplicate_key_cases(issuer, teams) -> dict[str, str]:
    claims = issuer.claims(APP_ID, teams.service_url)
    body = json.dumps(claims)[:-1]
    kid = issuer.kid.encode()
    return {
        # A reader keeping the first value and one keeping the last would disagree on these.
        "aud twice": issuer.sign_raw(_header(issuer), (body + ', "aud": "someone-else"}').encode()),
        "aud twice, the bot last": issuer.sign_raw(
            _header(issuer), json.dumps({**claims, "aud": "someone-else"})[:-1].encode() + b', "aud": "%s"}'
            % APP_ID.encode()),
        "exp twice": issuer.sign_raw(_header(issuer), (body + f', "exp": {claims["exp"] + HOUR}}}').encode()),
        "serviceurl twice": issuer.sign_raw(_header(issuer), (body + ', "serviceurl": "https://evil"}').encode()),
        "alg twice in the header": issuer.sign_raw(b'{"alg":"none","alg":"RS256","kid":"%s"}' % kid,
                                                   json.dumps(claims).encode()),
        "kid twice in the header": issuer.sign_raw(b'{"alg":"RS256","kid":"other","kid":"%s"}' % kid,
                                                   json.dumps(claims).encode()),
    }


def _header_cases(issuer, teams) -> dict[str, str]:
    claims = issuer.claims(APP_ID, teams.service_url)
    public_pem = issuer.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    hs256 = _segment({"alg": "HS256", "typ": "JWT", "kid": issuer.kid}) + "." + _segment(claims)
    return {
        "alg none": _segment({"alg": "none", "kid": issuer.kid}) + "." + _segment(claims) + ".",
        "alg HS256 keyed with the public key": hs256 + "." + base64.urlsafe_b64encode(
            hmac.new(public_pem, hs256.encode(), hashlib.sha256).digest()).rstrip(b"=").decode(),
        "alg RS512": jwt.encode(claims, issuer.key, algorithm="RS512", headers={"kid": issuer.kid}),
        "no kid": issuer.sign_raw(json.dumps({"alg": "RS256", "typ": "JWT"}).encode(), json.dumps(claims).encode()),
        "unknown kid": issuer.sign_raw(_header(issuer, kid="not-a-key"), json.dumps(claims).encode()),
        "kid not a string": issuer.sign_raw(_header(issuer, kid=7), json.dumps(claims).encode()),
        "crit extension": issuer.sign_raw(_header(issuer, crit=["exp"]), json.dumps(claims).encode()),
        "header not an object": issuer.sign_raw(b'"RS256"', json.dumps(claims).encode()),
    }


def _shape_cases(issuer, teams) -> dict[str, str]:
    token = _good(issuer, teams)
    head, body, signature = token.split(".")
    return {
        "padded segments": f"{head}==.{body}.{signature}",
        "four segments": f"{token}.{signature}",
        "trailing dot": f"{token}.",
        "five segments (JWE)": f"{head}.{body}.{signature}.{signature}.{signature}",
        "standard base64": f"{head}.{body}.{signature.replace('-', '+').replace('_', '/')}+/",
        "signature missing": f"{head}.{body}.",
        "empty": "",
    }


def _cases(issuer, teams) -> dict[str, str]:
    return {**_claim_cases(issuer, teams), **_duplicate_key_cases(issuer, teams), **_header_cases(issuer, teams),
            **_shape_cases(issuer, teams)}


TOKEN_CASES = ["no exp", "exp null", "exp a string", "exp true", "exp NaN", "exp Infinity", "exp 1e400",
               "exp beyond int digits", "expired an hour ago", "nbf in ten minutes",
               "nbf in an hour", "nbf a string", "iat in an hour", "aud a list with the bot",
               "aud a list of only the bot", "no aud", "no serviceurl", "no iss", "payload not an object",
               "payload not JSON", "aud twice", "aud twice, the bot last", "exp twice", "serviceurl twice",
               "alg twice in the header", "kid twice in the header", "alg none", "alg HS256 keyed with the public key",
               "alg RS512", "no kid", "unknown kid", "kid not a string", "crit extension", "header not an object",
               "padded segments", "four segments", "trailing dot", "five segments (JWE)", "standard base64",
               "signature missing", "empty"]


def test_every_token_case_is_tried():
    assert len(set(TOKEN_CASES)) == len(TOKEN_CASES)


@pytest.mark.parametrize("case", TOKEN_CASES)
async def test_incomplete_or_ambiguous_tokens_get_401(secured, issuer, case):
    token = _cases(issuer, secured)[case]
    assert await _post(secured, [("Authorization", f"Bearer {token}")]) == 401
    assert secured.connector.sent == []


HEADER_CASES = ["two headers, both the good token", "two headers, good then bad", "two headers, bad then good",
                "two headers differing in case", "two tokens in one header", "two tokens, comma and space",
                "scheme only", "scheme and a space", "no scheme", "Basic", "Token scheme", "Bearer glued to the token",
                "a tab after the scheme", "text after the token", "a quoted token", "a non-ASCII token"]


def _header_lines(case: str, good: str) -> list[tuple[str, str]]:
    bad = "Bearer not.a.jwt"
    return {
        "two headers, both the good token": [("Authorization", f"Bearer {good}"), ("Authorization", f"Bearer {good}")],
        "two headers, good then bad": [("Authorization", f"Bearer {good}"), ("Authorization", bad)],
        "two headers, bad then good": [("Authorization", bad), ("Authorization", f"Bearer {good}")],
        "two headers differing in case": [("Authorization", f"Bearer {good}"), ("authorization", f"Bearer {good}")],
        "two tokens in one header": [("Authorization", f"Bearer {good},Bearer {good}")],
        "two tokens, comma and space": [("Authorization", f"Bearer {good}, Bearer {good}")],
        "scheme only": [("Authorization", "Bearer")],
        "scheme and a space": [("Authorization", "Bearer ")],
        "no scheme": [("Authorization", good)],
        "Basic": [("Authorization", "Basic dXNlcjpwYXNz")],
        "Token scheme": [("Authorization", f"Token {good}")],
        "Bearer glued to the token": [("Authorization", f"Bearer{good}")],
        "a tab after the scheme": [("Authorization", f"Bearer\t{good}")],
        "text after the token": [("Authorization", f"Bearer {good} extra")],
        "a quoted token": [("Authorization", f'Bearer "{good}"')],
        "a non-ASCII token": [("Authorization", f"Bearer {good}\u00e9")],
    }[case]


@pytest.mark.parametrize("case", HEADER_CASES)
async def test_ambiguous_authorization_headers_get_401(secured, issuer, case):
    lines = _header_lines(case, _good(issuer, secured))
    assert await _post(secured, lines) == 401
    assert secured.connector.sent == []


async def test_local_mode_refuses_any_token_it_cannot_check(teams, issuer):
    """Without MicrosoftAppId no token can be addressed to the bot: one is refused, not fetched keys for."""
    token = issuer.token("", teams.service_url, audience="anyone")
    assert await _post(teams, [("Authorization", f"Bearer {token}")]) == 401
    assert teams.connector.sent == []


def test_the_issuer_makes_tokens_the_bot_accepts(issuer):
    """The sign_raw helper is right, so the refusals above are for the reason named, not a bad signature."""
    token = issuer.sign_raw(_header(issuer), json.dumps(issuer.claims(APP_ID, "http://x")).encode())
    claims = jwt.decode(token, issuer.key.public_key(), algorithms=["RS256"], audience=APP_ID, issuer=ISSUER)
    assert claims["aud"] == APP_ID
