"""The Azure Monitor pipeline for bot.telemetry (azure-monitor-opentelemetry), imported only when
APPLICATIONINSIGHTS_CONNECTION_STRING is set."""

from __future__ import annotations

import logging
import os
from typing import Any

# the distro's automatic instrumentations, all off: they would record full request URLs (which may carry SAS or
# other tokens, and what people typed); only the bot's own spans are sent
# what the distro would send to Microsoft rather than to the team's Application Insights: its own usage statistics
# ("statsbeat") and the polling of its remote configuration (settings.sdk.monitor.azure.com); and the Azure VM
# resource detector's question to the instance metadata service (169.254.169.254). The bot runs on App Service, whose
# detector reads environment variables only. Each is off unless the environment says otherwise.
OFF_UNLESS_ASKED = {"APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
                    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
                    "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "azure_app_service"}
INSTRUMENTATIONS = ("azure_sdk", "django", "fastapi", "flask", "httpx", "httpx2", "psycopg2", "requests", "urllib",
                    "urllib3")


def start(connection_string: str, *, log_record_processors: list[Any], level: int) -> None:
    """Sets OpenTelemetry's global tracer, meter and logger providers exporting to Application Insights; the root
    logger's records at ``level`` and above go there too, through ``log_record_processors`` first."""
    for name, value in OFF_UNLESS_ASKED.items():
        os.environ.setdefault(name, value)  # read by the exporter when it starts, below
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
