"""Credentials never reach a card, a log line or the audit trail: the one place that finds and removes them.

Whatever people type may hold a credential, also where no command expects one (`team https://u:token@host`,
`help Bearer ...`, an import URL with `?token=`). ``scrub_secrets`` removes, from any text:

- userinfo (``user:password@``, a bare ``token@``) inside any URL, percent-encoded URLs included (the SDK logs
  request paths with what was typed in them);
- token-like query and form parameters (``token=``, ``access_token=``, ``sig=``, ``client_secret=``, ...);
- Authorization values (``Bearer ...``, ``Basic ...``), key=value and JSON secret fields (the Azure DevOps SDK logs
  request bodies, a service connection's password among them, at DEBUG);
- well-known token shapes wherever they stand: GitHub tokens, JSON Web Tokens, Slack and AWS keys.

It is applied at every sink: each activity the bot sends (bot/teams_edge.py: cards and texts, proactive ones too),
the audit trail (bot/audit.py) and every log record (``ScrubSecretsFilter`` and the JSON formatter). ``redact_url``
gives one URL as it may be shown.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HIDDEN = "***"
# (a placeholder such as https://<user>:<token>@<host>, in advice, is kept)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)(?![<⟨][a-z ]{1,20}[>⟩](?::[<⟨][a-z ]{1,20}[>⟩])?@)[^/\s@?#]*@")
_ENCODED_USERINFO = re.compile(r"(?i)(%3A%2F%2F)(?:(?!%2F)[^/\s?#&])*?%40")
SECRET_PARAMETER = re.compile(
    r"(?i)^(?:[a-z0-9]*[_-])?(?:token|access[_-]?token|id[_-]?token|refresh[_-]?token|private[_-]?token|secret|"
    r"client[_-]?secret|password|passwd|pwd|pass|sig|signature|api[_-]?key|apikey|key|code|auth|authorization|"
    r"credentials?|pat|sas)$")
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:[a-z0-9]*[_-])?(?:token|access[_-]?token|id[_-]?token|refresh[_-]?token|private[_-]?token|"
    r"secret|client[_-]?secret|password|passwd|pwd|pass|sig|signature|api[_-]?key|apikey|key|code|auth|"
    r"credentials?|pat|sas)=)[^&#\s\"'<>]+")
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|"
    r"AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+)")
_SECRET_PATTERNS = [
    # Authorization header values
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 ***"),
    # "password": "value" (JSON) or 'password': 'value' (a dict's repr)
    (re.compile(r"""(?i)(['"](?:password|accesstoken|apitoken|serviceprincipalkey|client_secret|secret|token|pat)"""
                r"""['"]\s*:\s*)(['"])(?:\\.|(?!\2).)*\2"""), r"\1\2***\2"),
    # password=value, secret: value, access_token=value ...
    (re.compile(r"""(?i)\b([a-z]*_?(?:password|secret|pat|token|sig|key))(\s*[=:]\s*)(?!['"])[^\s"'&,;}]{4,}"""),
     r"\1\2***"),
]


def scrub_secrets(text: str) -> str:
    """``text`` without any credential it may hold (see the module docstring)."""
    if not text:
        return text or ""
    text = _USERINFO.sub(r"\1", text)
    text = _ENCODED_USERINFO.sub(r"\1", text)
    text = _QUERY_SECRET.sub(rf"\1{HIDDEN}", text)
    text = _TOKEN_SHAPES.sub(HIDDEN, text)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_json(value: Any) -> Any:
    """Every string inside a JSON-like value (a card, an activity) scrubbed; the structure is kept."""
    if isinstance(value, str):
        return scrub_secrets(value)
    if isinstance(value, dict):
        return {key: scrub_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    return value


def redact_url(url: str) -> str:
    """``https://user:token@host/path?token=x`` -> ``https://host/path?token=***``: one URL as it may be shown."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return scrub_secrets(url)
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(SECRET_PARAMETER.match(key) for key, _ in pairs):
        query = urlencode([(k, HIDDEN if SECRET_PARAMETER.match(k) else v) for k, v in pairs], safe="*")
    if parts.username is None and parts.password is None and query == parts.query:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if port:
        host += f":{port}"
    return urlunsplit((parts.scheme, host, parts.path, query, parts.fragment))


def has_secret_parameter(url: str) -> bool:
    """Whether the URL's query carries a token-like parameter."""
    try:
        return any(SECRET_PARAMETER.match(key) for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True))
    except ValueError:
        return False


class ScrubSecretsFilter(logging.Filter):
    """Rewrites a record's message when it holds a credential, before any handler (or test) sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub_secrets(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


def scrub_logger(name: str) -> None:
    logger = logging.getLogger(name)
    if not any(isinstance(f, ScrubSecretsFilter) for f in logger.filters):
        logger.addFilter(ScrubSecretsFilter())
