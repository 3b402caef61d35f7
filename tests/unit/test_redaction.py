"""Credentials are found and removed wherever they can appear in text."""

import logging

import pytest

from bot.redaction import ScrubSecretsFilter, redact_url, scrub_json, scrub_secrets


@pytest.mark.parametrize(("text", "secret"), [
    ("cloning https://alice:ghp_abcdef123456@github.com/o/r.git", "ghp_abcdef123456"),
    ("cloning https://ghp_abcdef123456@github.com/o/r.git", "ghp_abcdef123456"),
    ("Authorization: Basic OmFiY2RlZmdoaWprbG1u", "OmFiY2RlZmdoaWprbG1u"),
    ("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig", "eyJhbGciOiJSUzI1NiJ9"),
    ('POST body {"authorization": {"parameters": {"username": "u", "password": "p@ss \\"word\\" 123"}}}',
     'p@ss \\"word\\" 123'),
    ("{'parameters': {'accessToken': 'gho_tokenvalue99'}}", "gho_tokenvalue99"),
    ('{"serviceprincipalkey":"spkey-value-1"}', "spkey-value-1"),
    ("client_secret=abc123secret&grant_type=x", "abc123secret"),
    ("password: hunter2hunter2", "hunter2hunter2"),
])
def test_secrets_are_removed(text, secret):
    assert secret not in scrub_secrets(text)


def test_ordinary_text_is_kept():
    text = 'Created repository "tiny-yolo" at https://dev.azure.com/college/_git/tiny-yolo (key points: 3)'
    assert scrub_secrets(text) == text
    assert redact_url("https://u:p@host:8443/x?y=1") == "https://host:8443/x?y=1"


def test_filter_rewrites_the_record(caplog):
    logger = logging.getLogger("test.redaction")
    logger.addFilter(ScrubSecretsFilter())
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("request %s", '{"password": "s3cret-value"}')
    assert "s3cret-value" not in caplog.text and '"password": "***"' in caplog.text


@pytest.mark.parametrize(("text", "secret"), [
    ("https://github.com/a/b?token=QSECRET123", "QSECRET123"),
    ("https://h/x?ref=main&access_token=QSECRET123&x=1", "QSECRET123"),
    ("https://acct.blob.core.windows.net/c/b?sv=2024&sig=QSECRET123%3D", "QSECRET123"),
    ("https://h/x?private_token=QSECRET123", "QSECRET123"),
    ("GET /_apis/projects/College/teams/https%3A%2F%2Falice%3AQSECRET123%40github.com%2Fx", "QSECRET123"),
    ("team ghp_abcdefghijklmnop1234 please", "ghp_abcdefghijklmnop1234"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz"),
    ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMTIz", "eyJzdWIiOiJ4In0"),
    ("xoxb-1234567890-abcdefghij", "1234567890-abcdefghij"),
    ("AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP"),
    ("whoami Bearer abcdefghijklmnop", "abcdefghijklmnop"),
    ("git://bob:QSECRET123@example.com/x", "QSECRET123"),
    ("https://<QSECRET123>@example.com/x", "QSECRET123"),
    ("https://<user>:<QSECRET123>@example.com/x", "QSECRET123"),
])
def test_credentials_people_type_anywhere_are_removed(text, secret):
    assert secret not in scrub_secrets(text)


@pytest.mark.parametrize("text", [
    "onboard frank@contoso.com as stakeholder", "https://dev.azure.com/college-org/College/_git/aidevcollege",
    "team \"College Team\"", "Authorization failed for the bot", "https://github.com/a/b?ref=main&page=2",
    "Type doctor to check the setup.", "TestConnection passed in 120 ms",
    "repo import https://<user>:<token>@<host>/<path>", "https://⟨user⟩:⟨token⟩@⟨host⟩/⟨path⟩",
])
def test_what_is_not_a_credential_is_kept(text):
    assert scrub_secrets(text) == text


def test_cards_are_scrubbed_string_by_string_keeping_their_shape():
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "from https://u:QSECRET123@h/x"}],
            "actions": [{"type": "Action.Execute", "data": {"n": 3, "url": "https://h/x?token=QSECRET123"}}]}
    scrubbed = scrub_json(card)
    assert "QSECRET123" not in str(scrubbed)
    assert scrubbed["body"][0]["text"] == "from https://h/x" and scrubbed["actions"][0]["data"]["n"] == 3


def test_a_shown_url_hides_token_parameters():
    assert redact_url("https://u:p@h/x?ref=main&token=QSECRET123") == "https://h/x?ref=main&token=***"
