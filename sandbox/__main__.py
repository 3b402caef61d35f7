"""``python -m sandbox [--port N] [--env-file FILE] [--pat PAT] [--oauth-connection NAME]``.

Serves on loopback until SIGINT/SIGTERM (exit 0). Once it accepts connections it prints the
settings a client needs as shell-quoted KEY=VALUE lines on stdout, and nothing else; logs go to
stderr. The production entry point never starts it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import signal
import sys
from pathlib import Path

from .server import Sandbox, pat_from_environment


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "0")),
                        help="port of the main origin on 127.0.0.1 (0: any free port; other origins always "
                             "take free ports)")
    parser.add_argument("--env-file", type=Path, help="also write the settings to this file")
    parser.add_argument("--pat", default=None,
                        help="personal access token to accept (default: $SANDBOX_PAT, else a random one)")
    parser.add_argument("--oauth-connection", default=os.environ.get("SANDBOX_OAUTH_CONNECTION", "AzureDevOps"),
                        help="the OAuth connection name the token service knows (default: $SANDBOX_OAUTH_CONNECTION, "
                             "else AzureDevOps); printed as OAUTH_CONNECTION_NAME")
    parser.add_argument("--log-level", default=os.environ.get("SANDBOX_LOG_LEVEL", "INFO"))
    return parser.parse_args(argv)


def render_env(env: dict[str, str]) -> str:
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in env.items())


async def serve(args: argparse.Namespace) -> int:
    sandbox = Sandbox(port=args.port, pat=args.pat or pat_from_environment(), oauth_connection=args.oauth_connection)
    await sandbox.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    text = render_env(sandbox.env())
    if args.env_file:
        args.env_file.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await sandbox.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # the sandbox's own azure-storage-blob calls (filling Azurite) would log every request at INFO
    logging.getLogger("azure").setLevel(max(logging.WARNING, logging.getLogger().level))
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
