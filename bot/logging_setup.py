"""Structured (JSON-lines) logging with a correlation id per turn and secrets scrubbed from every record."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.redaction import ScrubSecretsFilter, scrub_secrets

_correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="")

def _install_record_factory() -> None:
    """Stamps each record with the correlation id current when it is created (not when it is formatted)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_stamps_correlation_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.correlation_id = _correlation_id.get()
        return record

    factory._stamps_correlation_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_install_record_factory()


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:12]


def set_correlation_id(value: str) -> contextvars.Token[str]:
    return _correlation_id.set(value)


def reset_correlation_id(token: contextvars.Token[str]) -> None:
    _correlation_id.reset(token)


def current_correlation_id() -> str:
    return _correlation_id.get()


class Redactor:
    """Removes configured secret values and credential-shaped text from strings."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return scrub_secrets(text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id, extra fields."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        cid = getattr(record, "correlation_id", "") or _correlation_id.get()
        if cid:
            entry["correlation_id"] = cid
        for key, value in vars(record).items():
            if key not in self._STANDARD and key != "correlation_id" and not key.startswith("_"):
                entry[key] = value if isinstance(value, (int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self._redact(json.dumps(entry, ensure_ascii=False, default=str))


def configure_logging(level: str = "INFO", secrets: Iterable[str] = (), stream=None,
                      sdk_level: str = "WARNING") -> Redactor:
    """Installs the JSON formatter on the root logger (replacing earlier handlers); returns the redactor."""
    redactor = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redactor))
    handler.addFilter(ScrubSecretsFilter())  # the message itself, before it is escaped into JSON
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Third-party loggers print request headers and bodies at DEBUG: they have their own level (SDK_LOG_LEVEL,
    # WARNING unless asked), and what they print is scrubbed like everything else.
    for noisy in ("msrest", "urllib3", "azure", "botframework", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(sdk_level.upper())
    return redactor
