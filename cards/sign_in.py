"""Per-user sign-in cards: signed in (as whom), a code that did not work, signed out, and the sign-in status."""

from __future__ import annotations

from cards import verbs
from cards.common import Card, card, escape, execute, facts, heading, next_step, text


def signed_in_card(name: str, upn: str, *, resuming: bool = False) -> Card:
    body = [*heading(f"✅ Signed in to Azure DevOps as {escape(name or upn)}"),
            text("What you approve, reject or deploy from now on is recorded in Azure DevOps under your name.")]
    if upn and upn != name:
        body.append(facts([("Account", upn)]))
    if resuming:
        body.append(text("Carrying out what you clicked before signing in…", isSubtle=True))
    return card(body, [execute("Approvals", verbs.APPROVALS_LIST, {})], fallback=f"Signed in as {name or upn}.")


def code_refused_card() -> Card:
    return card([*heading("That code did not sign you in"),
                 text("Sign-in codes work once, for the person who asked for them, for a few minutes."),
                 next_step("Type signin for a new sign-in card, then type the code it shows.")],
                fallback="That code did not sign you in. Type signin for a new one.")


def signed_out_card(was_signed_in: bool) -> Card:
    said = ("Signed out of Azure DevOps. The bot has no token of yours any more; type signin to sign in again."
            if was_signed_in else "You were not signed in. Type signin to sign in.")
    return card([*heading("Signed out" if was_signed_in else "Not signed in"), text(said)], fallback=said)


def sign_in_status_card(name: str, upn: str) -> Card:
    """signin when already signed in."""
    return card([*heading(f"You are signed in to Azure DevOps as {escape(name or upn)}"),
                 text("Decisions and deployments you make here run with your own Azure DevOps identity."),
                 next_step("To sign in as someone else, type signout first.")],
                fallback=f"Signed in as {name or upn}.")


def bot_identity_card() -> Card:
    """signin when per-user sign-in is off (OAUTH_CONNECTION_NAME not set)."""
    return card([*heading("Sign-in is not set up"),
                 text("This bot decides approvals and deploys with its own Azure DevOps identity, for the assigned "
                      "approver only, and names them in the Azure DevOps comment; Azure DevOps records the bot."),
                 next_step("An admin can turn on per-user sign-in: create an OAuth connection to Entra with the Azure "
                           "DevOps scope on the Azure Bot, set OAUTH_CONNECTION_NAME to its name and restart.")],
                fallback="Per-user sign-in is not set up.")
