"""A personal access token for each seeded person, so tests and trial runs can call as someone other than Alice."""

from __future__ import annotations

import base64
import hashlib
import hmac

from .http import auth


def person_pats(master_pat: str, people: list[dict]) -> dict[str, str]:
    """{person key: PAT} for everyone in the organization, derived from the sandbox's PAT (stable per start)."""
    pats = {}
    for person in people:
        if person["in_organization"]:
            digest = hashlib.sha256(f"{master_pat}/{person['key']}".encode()).digest()
            pats[person["key"]] = base64.b32encode(digest).decode().lower().rstrip("=")[:52]
    return pats


def owner_key(authorization: str | None, master_pat: str, master_owner: str, pats: dict[str, str],
              upn_to_key) -> str | None:
    """Storage key of the user whose PAT the ``Authorization`` header carries; None when no PAT matches."""
    if auth.is_authorized(authorization, master_pat):
        return master_owner
    supplied = auth.pat_from_header(authorization)
    if supplied is None:
        return None
    person = next((key for key, pat in pats.items() if hmac.compare_digest(pat.encode(), supplied.encode())), None)
    return upn_to_key(person) if person else None
