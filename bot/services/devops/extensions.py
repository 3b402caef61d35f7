"""Extensions installed in the organization (the workshop needs the Machine Learning extension)."""

from __future__ import annotations

from typing import Any

from bot.services.devops.client import DevOpsClient
from bot.services.devops.model import Extension


def extension_from_model(extension: Any) -> Extension:
    state = getattr(extension, "install_state", None)
    return Extension(
        publisher_id=getattr(extension, "publisher_id", "") or "",
        extension_id=getattr(extension, "extension_id", "") or "",
        name=getattr(extension, "extension_name", "") or "",
        version=getattr(extension, "version", "") or "",
        flags=str(getattr(state, "flags", "") or ""),
    )


async def installed_extension(devops: DevOpsClient, full_id: str) -> Extension | None:
    """The extension ``publisher.name`` if it is installed, else None. Read from the list of installed extensions
    (scope vso.extension): reading one by name needs vso.extension_manage, more than a read should (bot/scopes.py)."""
    publisher, _, name = full_id.lower().partition(".")
    installed = await devops.call(lambda c: c.extensions.get_installed_extensions() or [], idempotent=True,
                                  what="list the installed extensions")
    found = next((e for e in installed if str(getattr(e, "publisher_id", "") or "").lower() == publisher
                  and str(getattr(e, "extension_id", "") or "").lower() == name), None)
    return extension_from_model(found) if found is not None else None
