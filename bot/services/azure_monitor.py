"""The Azure Monitor pipeline for bot.telemetry (azure-monitor-opentelemetry), imported only when
APPLICATIONINSIGHTS_CONNECTION_STRING is set."""

from __future__ import annotations

import logging
from typing import Any

# the distro's automatic instrumentations, all off: they would record full request URLs (which may carry SAS or
# other tokens, and what people typed); only the bot's own spans are sent
INSTRUMENTATIONS = ("azure_sdk", "django", "fastapi", "flask", "httpx", "httpx2", "psycopg2", "requests", "urllib",
                    "urllib3")


def start(connection_string: str, *, log_record_processors: list[Any], level: int) -> None:
    """Sets OpenTelemetry's global tracer, meter and logger providers exporting to Application Insights; the root
    logger's records at ``level`` and above go there too, through ``log_record_processors`` first."""
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure_azure_monitor(
        connection_string=connection_string,
        logger_name="",
        instrumentation_options={name: {"enabled": False} for name in INSTRUMENTATIONS},
        log_record_processors=log_record_processors,
        enable_live_metrics=False,
    )
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "LoggingHandler":
            handler.setLevel(level)
