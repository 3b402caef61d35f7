"""Credentials are found and removed wherever they can appear in text."""

import logging

import pytest

from bot.redaction import ScrubSecretsFilter, redact_url, scrub_secrets


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
