"""Telemetry captured in memory: the bot's own pipeline (bot.telemetry.configure) with OpenTelemetry SDK's in-memory
span exporter, metric reader and log exporter in place of Azure Monitor's.

    captured = capture(settings)       # before the bot starts (the app's own configure then keeps it)
    captured.spans("turn"), captured.points("college_bot.commands"), captured.logs()
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

from bot import telemetry
from bot.settings import load_settings


@dataclass
class Point:
    attributes: dict[str, Any]
    value: float  # a counter's sum, or a histogram's count
    total: float = 0.0  # a histogram's sum


class Captured:
    def __init__(self) -> None:
        from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        self.span_exporter = InMemorySpanExporter()
        self.metric_reader = InMemoryMetricReader()
        self.log_exporter = InMemoryLogRecordExporter()
        self._metrics: list[Any] = []

    @property
    def exporters(self) -> telemetry.Exporters:
        return telemetry.Exporters(spans=self.span_exporter, metrics=self.metric_reader, logs=self.log_exporter)

    def spans(self, name: str | None = None) -> list[Any]:
        return [s for s in self.span_exporter.get_finished_spans() if name is None or s.name == name]

    def metrics(self) -> list[Any]:
        data = self.metric_reader.get_metrics_data()
        found = []
        for resource in (data.resource_metrics if data else []):
            for scope in resource.scope_metrics:
                found.extend(scope.metrics)
        self._metrics = found or self._metrics
        return self._metrics

    def points(self, name: str) -> list[Point]:
        points = []
        for metric in self.metrics():
            if metric.name != name:
                continue
            for p in metric.data.data_points:
                if hasattr(p, "bucket_counts"):
                    points.append(Point(dict(p.attributes), p.count, p.sum))
                else:
                    points.append(Point(dict(p.attributes), p.value))
        return points

    def total(self, name: str, **attributes: Any) -> float:
        return sum(p.value for p in self.points(name) if all(p.attributes.get(k) == v for k, v in attributes.items()))

    def logs(self) -> list[Any]:
        return [d.log_record for d in self.log_exporter.get_finished_logs()]

    def every_exported_text(self) -> list[str]:
        """Every string that would leave the process: span names, attributes and events, metric attributes, log
        bodies and attributes."""
        texts: list[str] = []
        for s in self.spans():
            texts.append(s.name)
            texts.extend(str(v) for v in (s.attributes or {}).values())
            for event in s.events:
                texts.extend(str(v) for v in (event.attributes or {}).values())
            if s.status.description:
                texts.append(s.status.description)
        for metric in self.metrics():
            for p in metric.data.data_points:
                texts.extend(str(v) for v in p.attributes.values())
        for record in self.logs():
            texts.append(str(record.body))
            texts.extend(str(v) for v in (record.attributes or {}).values())
        return texts


def capture(settings: Any) -> Captured:
    captured = Captured()
    assert telemetry.configure(settings, exporters=captured.exporters)
    return captured


@pytest.fixture
def telemetry_bot(make_bot, tmp_path, caplog):
    """Starts the bot (make_bot's arguments) with telemetry captured in memory; ``teams.telemetry``."""
    caplog.set_level(logging.INFO)  # as LOG_LEVEL's default does in the app

    async def start(**settings: object):
        values = {"DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": True, "STORE_URL": f"sqlite:///{tmp_path}/bot.db",
                  **settings}
        captured = capture(load_settings(_env_file=None, **values))
        teams = await make_bot(**settings)
        teams.telemetry = captured
        return teams

    yield start
    telemetry.reset()
