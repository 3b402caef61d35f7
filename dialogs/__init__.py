"""Multi-turn flows (botbuilder-dialogs). Each module defines one dialog; `build_dialogs` lists them all."""

from __future__ import annotations

from botbuilder.dialogs import Dialog

from bot.container import Services


def build_dialogs(services: Services) -> list[Dialog]:
    """Every dialog the bot can begin, keyed by the id a command's Reply.start_dialog names."""
    from dialogs.onboard import OnboardDialog

    return [OnboardDialog(services)]
