"""The sign-in page the sign-in link opens: pick a seeded person, then see the magic code to send back."""

from __future__ import annotations

from html import escape

from .people import Person

_STYLE = ("body{font-family:Segoe UI,sans-serif;max-width:32em;margin:3em auto}"
          "button{display:block;width:100%;margin:.4em 0;padding:.6em;font-size:1em}"
          ".code{font-size:2.4em;letter-spacing:.2em;font-weight:bold}")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")


def choose_person(signin_id: str, people: list[Person], hint: Person | None, connection: str) -> str:
    """Pick an account: the person the sign-in's state names comes first."""
    ordered = ([hint] if hint else []) + [p for p in people if p != hint]
    buttons = "".join(
        f"<button type='submit' name='person' value='{escape(p.key)}' data-person='{escape(p.key)}'>"
        f"{escape(p.name)} &lt;{escape(p.upn)}&gt;{' (this Teams user)' if p == hint else ''}</button>"
        for p in ordered)
    return _page("Sign in to College Sandbox Entra ID",
                 f"<p>Connection <b>{escape(connection)}</b> (Azure DevOps). Pick an account:</p>"
                 f"<form method='post' action='/api/oauth/signin?signin={escape(signin_id)}'>{buttons}</form>")


def show_code(code: str, person: Person) -> str:
    """The magic code to type into the chat (or the Playground's "Redeem code" prompt)."""
    return _page("You are signed in",
                 f"<p>Signed in as {escape(person.name)} &lt;{escape(person.upn)}&gt;.</p>"
                 "<p>Type this code in the chat to finish signing in:</p>"
                 f"<p class='code' id='magic-code'>{escape(code)}</p>")


def link_expired() -> str:
    return _page("This sign-in link has expired", "<p>Ask the bot to sign you in again.</p>")


def unknown_person(name: str) -> str:
    return _page("Unknown account", f"<p>No one called {escape(name)} in this tenant.</p>")
