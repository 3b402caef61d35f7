"""Credentials never reach a card, a log line or the audit trail: the one place that finds and removes them.

- ``scrub_credentials``: user:password@ (and bare token@) inside any URL in a text;
- ``redact_url``: one URL without its userinfo;
- ``scrub_secrets``: all of the above plus Authorization values, key=value secrets and JSON secret fields
  (the Azure DevOps SDK logs request bodies, a service connection's password among them, at DEBUG);
- ``ScrubSecretsFilter``: a logging filter that applies ``scrub_secrets`` to a logger's records.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@")
_SECRET_PATTERNS = [
    # Authorization header values
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 ***"),
    # "password": "value" (JSON) or 'password': 'value' (a dict's repr)
    (re.compile(r"""(?i)(['"](?:password|accesstoken|apitoken|serviceprincipalkey|client_secret|secret|token|pat)"""
                r"""['"]\s*:\s*)(['"])(?:\\.|(?!\2).)*\2"""), r"\1\2***\2"),
    # password=value, secret: value, ...
    (re.compile(r"""(?i)\b(password|secret|pat|token|client_secret|sig|key)(\s*[=:]\s*)(?!['"])[^\s"'&,;}]{4,}"""),
     r"\1\2***"),
]


def scrub_credentials(text: str) -> str:
    """Removes user:password@ (and bare token@) from every URL inside ``text``."""
    return _USERINFO.sub(r"\1", text or "")


def redact_url(url: str) -> str:
    """``https://user:token@host/path`` -> ``https://host/path``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub_credentials(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def scrub_secrets(text: str) -> str:
    text = scrub_credentials(text)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


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
