"""The model files in the default datastore's container: uploaded once at start, restored cheaply at a reset.

A reset lists the container (one call) and uploads only the files that are missing or whose Content-MD5 differs,
and deletes blobs the seed does not have, so a test that changed the store gets the seed back while an
unchanged store costs one listing. These calls go straight to Azurite, not through the sandbox's blob origin:
they are neither logged nor faulted.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .world import ModelFile

UPLOAD_THREADS = 4
_md5_cache: dict[tuple[str, int, int], bytes] = {}
_md5_lock = threading.Lock()


def md5_of(path: Path) -> bytes:
    """The file's MD5 (what Blob storage keeps as Content-MD5), computed once per file version per process."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _md5_lock:
        if key in _md5_cache:
            return _md5_cache[key]
    digest = hashlib.md5()  # noqa: S324 - Content-MD5 is MD5 by definition
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    with _md5_lock:
        _md5_cache[key] = digest.digest()
    return _md5_cache[key]


@dataclass(frozen=True)
class Restored:
    uploaded: int
    deleted: int


class StoreClosed(RuntimeError):
    """The sandbox is stopping: what was not uploaded yet is not."""


class ModelStore:
    """A container of Azurite, reached with the account key (azure-storage-blob, synchronous: run it in a thread).

    Its retries are short (storage's default first waits 15 s), and ``close`` makes uploads not yet begun give
    up, so stopping the sandbox never waits long for a thread that is still filling the store.
    """

    def __init__(self, account_url: str, account_name: str, account_key: str, container: str) -> None:
        from azure.storage.blob import BlobServiceClient, LinearRetry

        service = BlobServiceClient(account_url, credential={"account_name": account_name, "account_key": account_key},
                                    retry_policy=LinearRetry(backoff=0.2, random_jitter_range=0, retry_total=2),
                                    connection_timeout=5)
        self._container = service.get_container_client(container)
        self._closed = threading.Event()

    def restore(self, files: list[ModelFile]) -> Restored:
        """Makes the container hold exactly ``files``: uploads what is missing or differs, deletes the rest."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            present: dict[str, bytes | None] = {blob.name: _md5(blob) for blob in self._container.list_blobs()}
        except ResourceNotFoundError:  # the first fill, or a test deleted the container
            self._container.create_container()
            present = {}
        wanted = {f.blob_name: f for f in files}
        stale = [f for name, f in wanted.items() if present.get(name) != md5_of(f.source)]
        extra = [name for name in present if name not in wanted]
        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            list(pool.map(self._upload, stale))
        for name in extra:
            self._container.delete_blob(name)
        return Restored(len(stale), len(extra))

    def _upload(self, item: ModelFile) -> None:
        from azure.storage.blob import ContentSettings

        if self._closed.is_set():
            raise StoreClosed("the sandbox is stopping")
        with item.source.open("rb") as data:
            self._container.upload_blob(item.blob_name, data, overwrite=True, content_settings=ContentSettings(
                content_type="application/octet-stream", content_md5=md5_of(item.source)))

    def close(self) -> None:
        self._closed.set()
        self._container.close()


def _md5(blob) -> bytes | None:
    value = blob.content_settings.content_md5
    return bytes(value) if value else None
