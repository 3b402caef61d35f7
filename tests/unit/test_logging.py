"""Logs are JSON lines with the correlation id, and never carry secrets."""

import io
import json
import logging

from bot.logging_setup import configure_logging, reset_correlation_id, set_correlation_id


def test_json_lines_with_correlation_id_and_no_secrets():
    stream = io.StringIO()
    configure_logging("INFO", ["configured-secret-value"], stream=stream)
    log = logging.getLogger("test.logging")
    token = set_correlation_id("abc123def456")
    try:
        log.info("calling https://user:ghp_token1234567890@github.com/org/repo.git with configured-secret-value")
        log.info("header", extra={"auth": "Basic dXNlcjpwYXNzd29yZA==", "other": "Bearer eyJhbGciOi.x.y"})
        log.info("password=hunter22 client_secret: s3cr3tvalue")
    finally:
        reset_correlation_id(token)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert all(line["correlation_id"] == "abc123def456" for line in lines)
    text = stream.getvalue()
    for secret in ("ghp_token1234567890", "configured-secret-value", "dXNlcjpwYXNzd29yZA", "eyJhbGciOi",
                   "hunter22", "s3cr3tvalue"):
        assert secret not in text
    assert "github.com/org/repo.git" in text
    logging.getLogger().handlers.clear()
