"""College Bot's entry point: `python app.py` (settings from the environment and an optional .env).

`create_app(settings)` builds the aiohttp application; tests and App Service
(`python -m aiohttp.web -H 0.0.0.0 -P 8000 app:init_func`) use it too.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator

from aiohttp import web

from bot.settings import VERSION, Settings, SettingsError, load_settings

log = logging.getLogger("college_bot")

SETTINGS = web.AppKey("settings", Settings)
RUNTIME = web.AppKey("runtime", object)


async def _runtime(app: web.Application) -> AsyncIterator[None]:
    """Opens the store and builds the bot once; closes everything on shutdown."""
    from bot import telemetry  # imports OpenTelemetry only when APPLICATIONINSIGHTS_CONNECTION_STRING is set
    from bot.runtime import build_runtime  # botbuilder and the commands load here, not at import

    telemetry.configure(app[SETTINGS])
    runtime = await build_runtime(app[SETTINGS])
    app[RUNTIME] = runtime
    yield
    await runtime.close()
    telemetry.flush()


async def messages(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    return await runtime.adapter.process(request, runtime.bot)


async def devops_events(request: web.Request) -> web.StreamResponse:
    """Azure DevOps service hook deliveries (bot/devops_events.py)."""
    from bot.devops_events import receive

    return await receive(request, request.app[RUNTIME].services)


async def healthz(request: web.Request) -> web.Response:
    """Version, whether inbound auth is on, what each configured backend talks to ("sandbox" or "azure"; ``backend``
    sums them up: "none", "sandbox", "azure" or "mixed"), and whose identity decisions and deployments run with
    (``decisions``: "per-user sign-in" with the OAuth connection's name, or "the bot's identity"), and where an
    import's credentials wait for the Confirm click (``pending_secrets``: "sealed" for any instance with the key,
    or "this instance's memory")."""
    settings = request.app[SETTINGS]
    targets = request.app[RUNTIME].services.backends.targets(settings)
    kinds = set(targets.values())
    summary = "none" if not kinds else kinds.pop() if len(kinds) == 1 else "mixed"
    return web.json_response({"version": VERSION, "auth": "on" if settings.auth_enabled else "off",
                              "backend": summary, "backends": targets,
                              "decisions": ({"identity": "per-user sign-in",
                                             "oauth_connection": settings.oauth_connection_name}
                                            if settings.per_user_sign_in else
                                            {"identity": "the bot's identity",
                                             "why": "OAUTH_CONNECTION_NAME is not set"}),
                              "pending_secrets": ("sealed" if settings.pending_secrets_keys
                                                  else "this instance's memory")})


async def readyz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    checks = {}
    for name, check in runtime.services.readiness.items():
        started = time.perf_counter()
        try:
            await asyncio.wait_for(check(), timeout=5)
            state = "ok"
        except TimeoutError:
            state = "timeout"
        except Exception as exc:  # noqa: BLE001 - a readiness probe reports any failure as a state
            log.warning("readiness check failed", extra={"dependency": name, "reason": type(exc).__name__})
            state = "down"
        checks[name] = {"state": state, "ms": round((time.perf_counter() - started) * 1000, 1)}
    ready = all(c["state"] == "ok" for c in checks.values())
    return web.json_response({"ready": ready, "dependencies": checks}, status=200 if ready else 503)


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_runtime)
    app.router.add_route("*", "/api/messages", messages)
    app.router.add_post("/api/devops/events", devops_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


def init_func(argv: list[str] | None = None) -> web.Application:
    """For `python -m aiohttp.web app:init_func`."""
    settings = _settings_or_exit()
    _announce(settings)
    return create_app(settings)


def _settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"College Bot cannot start. {exc}\n")
        raise SystemExit(2) from None
    from bot.logging_setup import configure_logging

    configure_logging(settings.log_level, settings.secrets(), sdk_level=settings.sdk_log_level)
    return settings


def _announce(settings: Settings) -> None:
    if not settings.auth_enabled:
        log.warning(
            "AUTHENTICATION IS OFF (DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true): listening on loopback only "
            "and answering only loopback service URLs. Never run this way in production."
        )
    log.info("starting", extra={"version": VERSION, "host": settings.host, "port": settings.port,
                                "auth": settings.auth_enabled})


def main() -> None:
    settings = _settings_or_exit()
    _announce(settings)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
