"""Traces, metrics and logs to Azure Monitor through OpenTelemetry, only when APPLICATIONINSIGHTS_CONNECTION_STRING is
set; without it nothing is imported, started or sent, and every helper here is a no-op.

    telemetry.configure(settings)                       # once, at start (app.py)
    with telemetry.span("azure_devops.call", operation=telemetry.operation(what)) as s:
        ...
        s.set(status=200, attempts=2)
    telemetry.count(telemetry.COMMANDS, command="repos", outcome="ok")
    telemetry.record(telemetry.MODEL_CHECK_DURATION, 1.25, verdict="pass")

Callers never import OpenTelemetry: this module is the one place that does (on ``configure``), so a bot without
telemetry pays nothing at start or in memory.

What is sent, and what never is:

* Attribute values are strings (scrubbed by bot.redaction and the configured secret values, then cut to
  ``MAX_VALUE``), numbers or booleans; anything else becomes its type name. Callers pass names (a command's name, a
  card verb, a backend call's ``operation()``), statuses and counts, never what a person typed beyond the command name.
* A failing span records the exception's type only (``error.type``), never its message or a stack trace.
* Log records exported go through the same scrubber (body and every string attribute).
* The distro's own reports to Microsoft (statsbeat, remote configuration) and the VM metadata probe are off unless
  the environment turns them on (bot/services/azure_monitor.py): the only destination is the team's resource.
* The distro's automatic instrumentations (requests, urllib3, azure-core ...) are switched off: they would record
  full request URLs, which may carry tokens (SAS, ``?token=``) and user text. Only the spans made here are sent.

Tests configure the same pipeline with in-memory exporters: ``configure(settings, exporters=Exporters(...))``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.logging_setup import Redactor

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

NAME = "college_bot"
MAX_VALUE = 120
MAX_ATTRIBUTES = 16
SCRUBBED_KEPT = 2048
# metric names (one place, so a dashboard query and the code agree)
COMMANDS = "college_bot.commands"  # command, outcome
ACTIONS = "college_bot.card_actions"  # verb, outcome
ERRORS = "college_bot.errors"  # kind, where
THROTTLED = "college_bot.throttled"  # backend (azure_devops, azure_ml, teams), operation
BACKEND_CALLS = "college_bot.backend.calls"  # backend, outcome
MODEL_CHECK_DURATION = "college_bot.model_check.duration"  # seconds; verdict
DIGEST_DELIVERIES = "college_bot.digest.deliveries"  # result, status
EVENT_DELIVERIES = "college_bot.event.deliveries"  # result, event_type, status


@dataclass
class Exporters:
    """In-process exporters (tests): a SpanExporter, a MetricReader and a LogExporter (any may be None)."""

    spans: Any = None
    metrics: Any = None
    logs: Any = None


class _Active:
    """The configured pipeline: a tracer, a meter, instruments by name, the scrubber, what to shut down."""

    def __init__(self, tracer: Any, meter: Any, redactor: Redactor, providers: list[Any],
                 handler: logging.Handler | None, *, owned: bool = True) -> None:
        self.tracer = tracer
        self.meter = meter
        self.redact = redactor
        self.providers = providers
        self.handler = handler
        self.owned = owned  # providers of its own (tests), not OpenTelemetry's global ones
        self.scrubbed: dict[str, str] = {}  # the same few values (operations, command names) come back all the time
        self.counters: dict[str, Any] = {}
        self.histograms: dict[str, Any] = {}


_active: _Active | None = None


def enabled() -> bool:
    return _active is not None


def clean(attributes: dict[str, Any]) -> dict[str, Any]:
    """Attributes as they may be sent: bounded in number and length, strings scrubbed, None dropped."""
    active = _active
    cleaned: dict[str, Any] = {}
    for key, value in list(attributes.items())[:MAX_ATTRIBUTES]:
        if value is None:
            continue
        if isinstance(value, bool | int | float):
            cleaned[key] = value
        else:
            text = (value if isinstance(value, str) else type(value).__name__)[:MAX_VALUE * 2]
            cleaned[key] = _scrubbed(active, text)[:MAX_VALUE]
    return cleaned


_WORD = re.compile(r"^[a-z']+$")
_CUT_AT = {"of", "for", "in", "to", "from", "on", "with"}


def operation(what: str) -> str:
    """A backend call's description (``read release 7``, ``list the versions of TinyYOLO``) as an operation name
    without the names and numbers in it (``read release``, ``list the versions``): what was asked of the service,
    never what someone typed, and few enough distinct values for a metric's attribute."""
    words: list[str] = []
    for word in what.split()[:8]:
        if not _WORD.match(word) or word in _CUT_AT:
            break
        words.append(word)
    return " ".join(words) or "call"


def _scrubbed(active: _Active | None, text: str) -> str:
    if active is None:
        return Redactor()(text)
    found = active.scrubbed.get(text)
    if found is None:
        if len(active.scrubbed) >= SCRUBBED_KEPT:
            active.scrubbed.clear()
        found = active.scrubbed[text] = active.redact(text)
    return found


class Span:
    """What a caller holds inside ``with span(...)``: ``set(**attributes)``. A no-op when telemetry is off."""

    __slots__ = ("_span",)

    def __init__(self, otel_span: Any = None) -> None:
        self._span = otel_span

    def set(self, **attributes: Any) -> None:
        if self._span is not None and attributes:
            self._span.set_attributes(clean(attributes))

    def failed(self, kind: str) -> None:
        """Marks the span as failed with an error kind (no message: messages may hold what people typed)."""
        if self._span is not None:
            from opentelemetry.trace import Status, StatusCode

            self._span.set_attribute("error.type", clean({"k": kind}).get("k", ""))
            self._span.set_status(Status(StatusCode.ERROR))


_OFF = Span()


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[Span]:
    """A span (child of the current one) around the block; an exception marks it failed with its type only."""
    active = _active
    if active is None:
        yield _OFF
        return
    with active.tracer.start_as_current_span(name, attributes=clean(attributes), record_exception=False,
                                             set_status_on_exception=False) as otel_span:
        holder = Span(otel_span)
        try:
            yield holder
        except BaseException as exc:
            holder.failed(type(exc).__name__)
            raise


def annotate(**attributes: Any) -> None:
    """Sets attributes on the current span (the turn's, when called from a command)."""
    if _active is None or not attributes:
        return
    from opentelemetry import trace

    current = trace.get_current_span()
    if current.is_recording():
        current.set_attributes(clean(attributes))


def count(name: str, amount: int = 1, **attributes: Any) -> None:
    """Adds ``amount`` to the counter ``name`` with the given (scrubbed, bounded) attributes."""
    active = _active
    if active is None:
        return
    counter = active.counters.get(name)
    if counter is None:
        counter = active.counters[name] = active.meter.create_counter(name)
    counter.add(amount, clean(attributes))


def record(name: str, value: float, *, unit: str = "s", **attributes: Any) -> None:
    """Records ``value`` in the histogram ``name`` (seconds unless ``unit`` says otherwise)."""
    active = _active
    if active is None:
        return
    histogram = active.histograms.get(name)
    if histogram is None:
        histogram = active.histograms[name] = active.meter.create_histogram(name, unit=unit)
    histogram.record(value, clean(attributes))


@contextmanager
def timed(name: str, **attributes: Any) -> Iterator[dict[str, Any]]:
    """Records the block's duration in the histogram ``name``; the block may add attributes to the dict it gets."""
    extra: dict[str, Any] = dict(attributes)
    if _active is None:
        yield extra
        return
    started = time.perf_counter()
    try:
        yield extra
    finally:
        record(name, time.perf_counter() - started, **extra)


def _scrubbing_processor(redactor: Redactor) -> Any:
    """A LogRecordProcessor that scrubs every exported record's body and string attributes in place; it runs before
    the exporting processor."""
    from opentelemetry.sdk._logs import LogRecordProcessor

    class ScrubLogRecords(LogRecordProcessor):
        def on_emit(self, log_record: Any) -> None:
            record = log_record.log_record
            if isinstance(record.body, str):
                record.body = redactor(record.body)
            attributes = record.attributes
            if attributes:
                for key in list(attributes):
                    value = attributes[key]
                    if isinstance(value, str):
                        attributes[key] = redactor(value)

        def shutdown(self) -> None:
            return None

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return True

    return ScrubLogRecords()


def configure(settings: Settings, *, exporters: Exporters | None = None) -> bool:
    """Turns telemetry on when APPLICATIONINSIGHTS_CONNECTION_STRING is set (or ``exporters`` are given, in tests);
    otherwise does nothing at all. Idempotent: a second call keeps what the first one set up. True when on."""
    global _active
    if _active is not None:
        return True
    connection_string = settings.applicationinsights_connection_string.get_secret_value()
    if exporters is None and not connection_string:
        return False
    redactor = Redactor(settings.secrets())
    level = getattr(logging, settings.log_level, logging.INFO)
    if exporters is None:
        _active = _azure_monitor(connection_string, redactor, level)
    else:
        _active = _in_process(exporters, redactor, level)
    log.info("telemetry on", extra={"to": "azure monitor" if exporters is None else "in-process exporters"})
    return True


def _azure_monitor(connection_string: str, redactor: Redactor, level: int) -> _Active:
    from opentelemetry import metrics, trace

    from bot.services import azure_monitor

    azure_monitor.start(connection_string, log_record_processors=[_scrubbing_processor(redactor)], level=level)
    from opentelemetry._logs import get_logger_provider

    providers = [trace.get_tracer_provider(), metrics.get_meter_provider(), get_logger_provider()]
    return _Active(trace.get_tracer(NAME), metrics.get_meter(NAME), redactor, providers, None, owned=False)


def _in_process(exporters: Exporters, redactor: Redactor, level: int) -> _Active:
    """The same shape of pipeline with the given exporters, on providers of its own (not the global ones)."""
    from opentelemetry.instrumentation.logging.handler import LoggingHandler
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    tracer_provider = TracerProvider()
    if exporters.spans is not None:
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporters.spans))
    meter_provider = MeterProvider(metric_readers=[exporters.metrics] if exporters.metrics is not None else [])
    providers: list[Any] = [tracer_provider, meter_provider]
    handler = None
    if exporters.logs is not None:
        logger_provider = LoggerProvider()
        logger_provider.add_log_record_processor(_scrubbing_processor(redactor))
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(exporters.logs))
        providers.append(logger_provider)
        handler = LoggingHandler(level=level, logger_provider=logger_provider)
        logging.getLogger().addHandler(handler)
    return _Active(tracer_provider.get_tracer(NAME), meter_provider.get_meter(NAME), redactor, providers, handler)


def flush() -> None:
    """Sends what is batched (at shutdown: app.py), so the last turns' telemetry is not lost."""
    active = _active
    if active is None:
        return
    for provider in active.providers:
        force_flush = getattr(provider, "force_flush", None)
        if force_flush is not None:
            force_flush()


def reset() -> None:
    """Turns in-process telemetry off again (tests). The global Azure Monitor pipeline is flushed, not undone."""
    global _active
    active, _active = _active, None
    if active is None:
        return
    if active.handler is not None:
        logging.getLogger().removeHandler(active.handler)
    for provider in active.providers:
        if active.owned:
            provider.shutdown()
        elif hasattr(provider, "force_flush"):
            provider.force_flush()
