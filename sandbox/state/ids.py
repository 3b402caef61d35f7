"""Deterministic identifiers and Azure DevOps subject descriptors."""

from __future__ import annotations

import base64
import uuid

_NAMESPACE = uuid.UUID("6f1d7c1a-3b0e-4c55-9a60-5a6e0c3bd0a1")


def stable_id(*parts: str) -> str:
    """The same id for the same names on every reset (real ids are random but stable too)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(part.lower() for part in parts)))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def user_descriptor(storage_key: str) -> str:
    """``aad.<base64 of the storage key>``, as Graph names Entra users."""
    return "aad." + _b64(storage_key)


def group_sid(storage_key: str) -> str:
    """A TFS security identifier (S-1-9-1551374245-...) derived from the group's storage key."""
    value = uuid.UUID(storage_key).int
    parts = [(value >> shift) & 0xFFFFFFFF for shift in (96, 64, 32, 0)]
    return "S-1-9-1551374245-" + "-".join(str(part) for part in parts)


def group_descriptor(storage_key: str) -> str:
    return "vssgp." + _b64(group_sid(storage_key))


def scope_descriptor(scope_id: str) -> str:
    return "scp." + _b64(scope_id)
