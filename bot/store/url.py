"""``STORE_URL``: its scheme chooses the backend from a registry; errors never echo the rest of the URL.

A backend registers a ``StoreScheme`` in ``SCHEMES``. Its module is imported only when a URL of its
scheme is checked or opened, and provides two functions:

* ``check_url(url, connection_string="") -> None``: raises ``ValueError`` (without echoing the URL or the
  connection string) when the URL is malformed, or the store could not authenticate with what is configured;
* ``async open_url(url, connection_string="") -> Store``: checks the URL the same way, then opens the store,
  creating what it needs (``connection_string``: a credential kept out of the URL, for backends that use one).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from types import ModuleType

from bot.store.base import Store


@dataclass(frozen=True)
class StoreScheme:
    """A URL scheme, the module of the backend that serves it, and the URL's form for messages."""

    name: str  # lower case, without "://"
    module: str  # provides check_url(url) and open_url(url)
    form: str  # shown in error messages; starts with "<name>://", e.g. "sqlite:///<path>"


SCHEMES: tuple[StoreScheme, ...] = (
    StoreScheme("sqlite", "bot.store.sqlite", "sqlite:///<path>"),
    StoreScheme("azblob", "bot.store.azblob", "azblob://<account>/<container>"),
)

# RFC 3986 scheme characters, short: only such a scheme is ever repeated in an error message.
_SHOWABLE_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,19}")


class UnsupportedStoreUrl(ValueError):
    """``STORE_URL`` has no scheme, or one no backend serves."""


def store_scheme(url: str) -> StoreScheme:
    """The registered scheme of ``url``; ``UnsupportedStoreUrl`` naming the schemes that exist otherwise."""
    name, sep, _ = url.partition("://")
    name = name.lower()
    for scheme in SCHEMES:
        if sep and name == scheme.name:
            return scheme
    supported = ", ".join(scheme.form for scheme in SCHEMES)
    if not sep:
        problem = "store URL has no scheme"
    elif _SHOWABLE_SCHEME.fullmatch(name):
        problem = f"unsupported store URL scheme {name!r}"
    else:
        problem = "unsupported store URL scheme"
    raise UnsupportedStoreUrl(f"{problem}; supported schemes: {supported}")


def check_store_url(url: str, connection_string: str = "") -> None:
    """Raise ``ValueError`` (never echoing the URL) unless a registered backend accepts ``url`` (and the
    ``connection_string`` it would open it with)."""
    _backend(store_scheme(url)).check_url(url, connection_string=connection_string)


async def open_store(url: str, connection_string: str = "") -> Store:
    """Open the store named by ``url`` with the backend registered for its scheme; ``connection_string`` is the
    Blob store's key (AZURE_STORAGE_CONNECTION_STRING; none: the variable, else an Entra identity)."""
    return await _backend(store_scheme(url)).open_url(url, connection_string=connection_string)


def _backend(scheme: StoreScheme) -> ModuleType:
    return importlib.import_module(scheme.module)
