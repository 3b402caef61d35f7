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
    """The extension ``publisher.name`` if it is installed, else None."""
    publisher, _, name = full_id.partition(".")
    found = await devops.find(lambda c: c.extensions.get_installed_extension_by_name(publisher, name),
                              what="read an installed extension")
    return extension_from_model(found) if found is not None else None
