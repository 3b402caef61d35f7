"""The baseline: botbuilder's minimal echo bot (CloudAdapter + ActivityHandler on aiohttp).

Run as `python bench/echo_bot.py` with PORT set. Like College Bot in local mode it refuses to start
unless DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true, then listens on 127.0.0.1 without an app id.
Only a /healthz route is added (for the start-up measurement); everything else is the SDK sample.
"""

from __future__ import annotations

import os
import sys

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication


class DefaultConfig:
    PORT = int(os.environ.get("PORT", "3979"))
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


CONFIG = DefaultConfig()
ADAPTER = CloudAdapter(ConfigurationBotFrameworkAuthentication(CONFIG))
BOT = EchoBot()


async def messages(request: web.Request) -> web.Response:
    return await ADAPTER.process(request, BOT)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"bot": "echo"})


def main() -> None:
    if os.environ.get("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "").lower() != "true":
        sys.stderr.write("echo bot: set DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true (local runs only)\n")
        raise SystemExit(2)
    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=CONFIG.PORT, access_log=None, print=None)


if __name__ == "__main__":
    main()
