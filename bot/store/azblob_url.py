"""``azblob://`` store URLs and storage connection strings, parsed without the Azure SDK (settings check them at
start; bot.store.azblob opens the store).

Forms of ``STORE_URL``:

* ``azblob://<account>/<container>``: a storage account in public Azure (``https://<account>.blob.core.windows.net``);
* ``azblob://<host[:port]>[/<path>]/<container>``: the blob endpoint itself (another cloud, a private endpoint,
  Azurite path-style as ``azblob://127.0.0.1:10000/devstoreaccount1/<container>``): https, or plain http for a
  loopback address only (Azurite).

The URL never holds a credential: ``AZURE_STORAGE_CONNECTION_STRING`` does, or an Entra identity is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.loopback import is_loopback_host

URL_SCHEME = "azblob"
CONNECTION_STRING_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING"
PUBLIC_BLOB_SUFFIX = "blob.core.windows.net"

# Azurite's (and the storage emulator's) published development account.
DEV_ACCOUNT = "devstoreaccount1"
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_ACCOUNT = re.compile(r"[a-z0-9]{3,24}")
_CONTAINER = re.compile(r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_HOST_PORT = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>\d{1,5}))?")


# ---- STORE_URL -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlobLocation:
    """Where a store lives: the blob service's URL and the container."""

    account_url: str  # https://<account>.blob.core.windows.net, or an endpoint (Azurite: http://127.0.0.1:port/acct)
    container: str


def location_from_url(url: str) -> BlobLocation:
    """Parse ``azblob://<account>/<container>`` or ``azblob://<host[:port]>[/<path>]/<container>``.

    An authority without a dot or colon is a storage account name (public Azure); one with a dot or colon is the
    blob endpoint itself (another cloud, a private endpoint, Azurite path-style), reached over https, or plain
    http when it is a loopback address (Azurite). Errors never repeat the URL.
    """
    prefix = f"{URL_SCHEME}://"
    if not url.lower().startswith(prefix):
        raise ValueError(f"not an {URL_SCHEME}:// URL")
    rest = url[len(prefix):]
    if any(ch in rest for ch in "?#@\\ ") or any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in rest):
        raise ValueError("an azblob URL holds no credentials, query or spaces: azblob://<account>/<container> "
                         "(the key goes in AZURE_STORAGE_CONNECTION_STRING, or use an Entra identity)")
    authority, _, path = rest.partition("/")
    segments = path.split("/") if path else []
    if not authority or not segments or any(not segment for segment in segments):
        raise ValueError("an azblob URL looks like azblob://<account>/<container> or "
                         "azblob://<host[:port]>/<account>/<container>")
    container = segments[-1]
    if not _CONTAINER.fullmatch(container):
        raise ValueError("the container name in the azblob URL must be 3-63 lower-case letters, digits and "
                         "single hyphens, starting and ending with a letter or digit")
    if "." not in authority and ":" not in authority:
        if not _ACCOUNT.fullmatch(authority) or len(segments) != 1:
            raise ValueError("azblob://<account>/<container> needs a storage account name of 3-24 lower-case "
                             "letters and digits")
        return BlobLocation(f"https://{authority}.{PUBLIC_BLOB_SUFFIX}", container)
    host = _HOST_PORT.fullmatch(authority)
    if host is None or (host.group("port") and not 0 < int(host.group("port")) < 65536):
        raise ValueError("the azblob URL's endpoint must be a host name or address with an optional port")
    scheme = "http" if is_loopback_host(host.group("host").strip("[]")) else "https"
    base = "/".join(segments[:-1])
    return BlobLocation(f"{scheme}://{authority}" + (f"/{base}" if base else ""), container)


def parse_connection_string(text: str) -> dict[str, str]:
    """The ``Key=Value;`` pairs of a storage connection string; ``ValueError`` (never echoing it) when it cannot
    authenticate: it needs ``AccountName`` and ``AccountKey``, or ``SharedAccessSignature``, or
    ``UseDevelopmentStorage=true`` (Azurite's well-known account)."""
    pairs: dict[str, str] = {}
    for part in text.strip().split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError("AZURE_STORAGE_CONNECTION_STRING must be Key=Value pairs separated by ';'")
        pairs[key.strip().lower()] = value.strip()
    if pairs.get("usedevelopmentstorage", "").lower() == "true":
        pairs.setdefault("accountname", DEV_ACCOUNT)
        pairs.setdefault("accountkey", DEV_ACCOUNT_KEY)
    if not ((pairs.get("accountname") and pairs.get("accountkey")) or pairs.get("sharedaccesssignature")):
        raise ValueError("AZURE_STORAGE_CONNECTION_STRING needs AccountName and AccountKey, or "
                         "SharedAccessSignature (or UseDevelopmentStorage=true for Azurite)")
    return pairs
