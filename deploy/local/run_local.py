"""`make run`: the sandbox, the bot in local mode and the Agents Playground, on 127.0.0.1 only.

Starts them in that order, waits until each is ready, prints the URL to open, and stops all of them on
Ctrl-C or SIGTERM (or when one of them exits). Logs go to data/logs/.

Environment: PORT (bot, default 3978), PLAYGROUND_PORT (default 56150, another free port when taken),
PLAYGROUND_AS (the signed-in person, default alice), STORE (`sqlite`, the default, or `azurite`: Azurite is started
too, on AZURITE_PORT (default 10000, another free port when taken) with its data in data/azurite/, and the bot's
store is a Blob store on it, as in Azure: `make run STORE=azurite`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

import devstack
import playground_config

DATA = devstack.REPO / "data"


def say(message: str) -> None:
    print(f"[run_local] {message}", flush=True)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--as",
        dest="as_person",
        default=os.environ.get("PLAYGROUND_AS", "alice"),
        choices=playground_config.person_keys(playground_config.load_team()),
        help="the person signed in to the Playground (default: %(default)s)",
    )
    parser.add_argument(
        "--store",
        default=os.environ.get("STORE") or "sqlite",
        choices=["sqlite", "azurite"],
        help="the bot's store: a SQLite file in data/, or Azure Blob Storage on a local Azurite (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)

    log_dir = DATA / "logs"
    bot_port = int(os.environ.get("PORT", devstack.BOT_DEFAULT_PORT))
    children: list[devstack.Child] = []
    try:
        started = time.monotonic()
        sandbox, settings = devstack.start_sandbox(log_dir, DATA / "sandbox.env")
        children.append(sandbox)
        say(f"sandbox ready ({', '.join(sorted(settings)) or 'no settings'})")
        if args.store == "azurite":
            azurite_port = devstack.free_port(int(os.environ.get("AZURITE_PORT", devstack.AZURITE_DEFAULT_PORT)))
            azurite, store_settings = devstack.start_azurite(log_dir, DATA / "azurite", azurite_port)
            children.append(azurite)
            settings = {**settings, **store_settings}
            say(f"Azurite ready on http://127.0.0.1:{azurite_port}: the store is {store_settings['STORE_URL']}")

        if not devstack.port_is_free(bot_port):
            raise devstack.StartupError(f"port {bot_port} on 127.0.0.1 is taken: stop what uses it or set PORT")
        children.append(devstack.start_bot(log_dir, bot_port, settings))
        say(f"bot ready on http://127.0.0.1:{bot_port}/api/messages (authentication OFF: local mode)")

        config = playground_config.write_config(DATA / "playground" / f"{args.as_person}.yml", args.as_person)
        port = devstack.free_port(int(os.environ.get("PLAYGROUND_PORT", devstack.PLAYGROUND_DEFAULT_PORT)))
        children.append(devstack.start_playground(log_dir, config, bot_port, port))
        say(f"everything ready in {time.monotonic() - started:.1f} s; logs in {log_dir.relative_to(devstack.REPO)}/")
        print(
            f"\n    Open http://127.0.0.1:{port} (Microsoft 365 Agents Playground, signed in as "
            f"{args.as_person}). Ctrl-C stops everything.\n",
            flush=True,
        )

        while all(child.running for child in children):
            time.sleep(0.5)
        gone = next(child for child in children if not child.running)
        say(f"{gone.name} exited with code {gone.process.returncode}; see {gone.log_path}")
        return 1
    except devstack.StartupError as error:
        say(f"cannot start: {error}")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        devstack.stop_all(children, say)


if __name__ == "__main__":
    sys.exit(main())
