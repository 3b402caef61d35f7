"""Importing this package registers every command and card action (one module per capability)."""

from bot.commands import (  # noqa: F401  (registration by import)
    approvals,
    audit_trail,
    confirm,
    connections,
    deploy,
    digest,
    doctor,
    general,
    models,
    onboarding,
    pipelines,
    releases,
    repos,
    sign_in,
    subscriptions,
    team,
)
from bot.router import REGISTRY
from cards import verbs

REGISTRY.check_verbs(set(verbs.ALL))
