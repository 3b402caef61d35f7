"""whoami: the user's identity as the bot sees it."""

from __future__ import annotations

from cards.common import Card, card, facts, heading, text


def whoami_card(
    name: str,
    aad_object_id: str,
    tenant_id: str,
    upn: str,
    roles: list[str],
    role_sources: list[str],
    *,
    signed_in: str = "",
) -> Card:
    body = [
        *heading(name or "(no name)", subtle="This is how I see you."),
        facts(
            [
                ("Entra object id", aad_object_id or "(not sent by this client)"),
                ("Tenant", tenant_id or "(not sent)"),
                ("Sign-in name", upn or "(unknown)"),
                ("Roles", ", ".join(roles)),
                *([("Signed in to Azure DevOps", signed_in)] if signed_in else []),
            ]
        ),
    ]
    if role_sources:
        body.append(text("Roles come from: " + "; ".join(role_sources), isSubtle=True, size="Small"))
    return card(body, fallback=f"{name}: {', '.join(roles)}")
