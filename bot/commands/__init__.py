"""Importing this package registers every command and card action (one module per capability)."""

import bot.commands.repos  # noqa: F401  (registration by import; Azure DevOps repositories)
from bot.commands import audit_trail, confirm, connections, doctor, general  # noqa: F401  (registration by import)
from bot.router import REGISTRY
from cards import verbs

REGISTRY.check_verbs(set(verbs.ALL))
