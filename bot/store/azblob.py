"""``AzureBlobStore``: every store concern on Azure Blob Storage (azure-storage-blob's async client).

Made for several bot instances sharing one container: nothing is cached between calls except hints, and every
"once" is a conditional write the service decides, never a read-then-write race:

* create-if-absent (``If-None-Match: *``): a confirmation token, an intent, a model check, an activity key, a
  subscription id, an audit sequence number is written once, whichever instance tries;
* replace-if-unchanged (``If-Match: <eTag>``): bot state with its eTag, taking a token, claiming a digest's due
  time, an outcome, a lease; the loser of a race re-reads and decides again (or gets ``ETagConflict``).

Layout (one JSON blob per item, names ``<concern>/<encoded key>``; a key is encoded to ``[A-Za-z0-9_-]`` and
``~XX`` escapes of its UTF-8 bytes, a very long one to its SHA-256; each blob holds its key):
``state/``, ``refs/``, ``audit/<10**15 - seq>`` (newest first in a listing, so ``latest_audit(n)`` reads n
blobs), ``tokens/``, ``seen/``, ``work/`` and ``work-open/`` (an index of unfinished intents), ``model-checks/``,
``hooks/`` (the conversation in metadata, for listing), ``schedules/`` (the document in metadata too, so
``list_schedules`` is one listing), ``leases/``.

A ``write_state`` batch writes its eTag-guarded keys first, then the others. One guarded key is a single
conditional write; with several, every expected eTag is checked before writing, and should another instance change
a key between that check and the write, the keys this batch wrote already are put back (as of the check) before
``ETagConflict`` is raised. Times are the callers' (``now``), as in SQLite. Every conditional write carries its
own random id, so a write the SDK retried after losing its answer recognises itself instead of reporting a lost
race. Old activity keys and expired tokens are pruned in the background, at most hourly (``prune_expired``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import string
import time
import uuid
from collections.abc import Awaitable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import BlobServiceClient, ContainerClient

from bot.store.audit import AuditEntry
from bot.store.azblob_url import (
    CONNECTION_STRING_VARIABLE,
    location_from_url,
    parse_connection_string,
)
from bot.store.journal import DuplicateIntent, RecordedWork, UnknownIntent, WorkIntent, WorkOutcome
from bot.store.leases import check_lease as _check_lease
from bot.store.lifecycle import StoreClosed
from bot.store.model_checks import ModelCheck
from bot.store.schedules import DigestSchedule
from bot.store.state import ETagConflict, StateItem
from bot.store.subscriptions import HookSubscription
from bot.store.tokens import ConfirmationToken

logger = logging.getLogger(__name__)

SEEN_RETENTION = timedelta(hours=24)
"""How long ``first_sighting`` remembers an activity key (as SQLite)."""
CONFIRMATION_RETENTION = timedelta(hours=24)
"""How long an expired confirmation is kept before it is pruned (as SQLite)."""
PRUNE_FIRST_S = 60.0
PRUNE_EVERY_S = 3600.0
"""Pruning of old activity keys and tokens runs in the background this long after opening, then at most hourly."""
CONCURRENCY = 16
"""Blobs read at once by one listing call (lists of references, subscriptions, unfinished work)."""

WRITER = "_writer"
"""Each conditional write's own random id, in the blob: a retried write that finds itself is not a lost race."""
_SAFE = frozenset(string.ascii_letters + string.digits + "-_")
_MAX_NAME = 700
_AUDIT_TOP = 10**15


def check_url(url: str, connection_string: str = "") -> None:
    """Raise ``ValueError`` unless ``url`` is a well-formed azblob URL and the store can authenticate (see
    bot.store.url): a connection string that holds a key or SAS, or else (https only) an Entra identity."""
    location = location_from_url(url)
    if connection_string:
        parse_connection_string(connection_string)
    elif location.account_url.startswith("http://"):
        raise ValueError("an http:// (loopback, Azurite) azblob endpoint needs AZURE_STORAGE_CONNECTION_STRING "
                         "(Azurite: UseDevelopmentStorage=true); an Entra identity needs https")


def _credential(connection_string: str) -> Any:
    """The credential for the blob service: from the connection string, else an Entra identity."""
    if connection_string:
        pairs = parse_connection_string(connection_string)
        if pairs.get("accountkey") and pairs.get("accountname"):
            return {"account_name": pairs["accountname"], "account_key": pairs["accountkey"]}
        return pairs["sharedaccesssignature"].lstrip("?")
    from azure.identity.aio import DefaultAzureCredential  # only when no key is configured

    return DefaultAzureCredential()


async def open_url(url: str, connection_string: str = "") -> AzureBlobStore:
    """Open the store of an azblob URL (the backend's entry point, see bot.store.url), creating its container.

    The credential: ``connection_string``, else the ``AZURE_STORAGE_CONNECTION_STRING`` variable, else
    ``DefaultAzureCredential`` (managed identity in Azure; the role Storage Blob Data Contributor on the container
    is enough)."""
    location = location_from_url(url)
    connection_string = connection_string or os.environ.get(CONNECTION_STRING_VARIABLE, "")
    credential = _credential(connection_string)
    service = BlobServiceClient(location.account_url, credential=credential)
    store = AzureBlobStore(service, location.container, credential=credential)
    try:
        await store.create_container()
    except BaseException:
        await store.close()
        raise
    return store


# ---- encoding ------------------------------------------------------------------------------------------------


def blob_key(key: str) -> str:
    """A blob name segment for any key: ``[A-Za-z0-9_-]`` kept, other characters as ``~XX`` per UTF-8 byte, a
    very long key as ``~h<sha256>``; different keys never share a name."""
    encoded = "".join(ch if ch in _SAFE else "".join(f"~{b:02X}" for b in ch.encode()) for ch in key)
    if len(encoded) > _MAX_NAME:
        return "~h" + hashlib.sha256(key.encode()).hexdigest()
    return encoded or "~"


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _from_utc_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _json_compatible(value: Any, what: str) -> Any:
    try:
        return json.loads(_dumps(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-compatible: {exc}") from None


_JSON = ContentSettings(content_type="application/json")


class AzureBlobStore:
    """Every store concern on one Azure Blob Storage container (see the module docstring)."""

    def __init__(self, service: BlobServiceClient, container: str, *, credential: Any = None) -> None:
        self._service = service
        self._credential = credential
        self._container: ContainerClient = service.get_container_client(container)
        self._closed = False
        self._audit_hint = 0  # the newest audit seq this instance wrote (a hint: the service decides)
        self._recorded = 0  # the last recording stamp this instance gave (ties of equal times keep their order)
        self._next_prune = time.monotonic() + PRUNE_FIRST_S
        self._pruning: asyncio.Task[None] | None = None

    @property
    def container_name(self) -> str:
        return self._container.container_name

    # ---- plumbing -------------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("store is closed")

    def _stamp(self) -> int:
        """Increasing nanoseconds: the order items were recorded in, for ties of equal times."""
        self._recorded = max(time.time_ns(), self._recorded + 1)
        return self._recorded

    async def create_container(self) -> None:
        """Creates the container when it does not exist. It is looked at first: an identity granted a role on the
        container alone (least privilege, made by the deployment) may read it but not create containers."""
        self._check_open()
        try:
            await self._container.get_container_properties()
        except ResourceNotFoundError:
            try:
                await self._container.create_container()
                logger.info("blob store created container %s", self.container_name)
            except ResourceExistsError:
                pass  # another instance made it meanwhile
        logger.info("blob store opened on container %s", self.container_name)

    async def _get(self, name: str) -> tuple[dict[str, Any], str] | None:
        """The document and its eTag, or None."""
        self._check_open()
        try:
            stream = await self._container.download_blob(name)
            data = await stream.readall()
        except ResourceNotFoundError:
            return None
        return json.loads(data), stream.properties.etag

    def _blob(self, name: str) -> Any:
        return self._container.get_blob_client(name)

    async def _create(self, name: str, doc: dict[str, Any], metadata: dict[str, str] | None = None) -> str | None:
        """Writes a new blob; its eTag, or None when one exists already (whoever wrote it)."""
        self._check_open()
        doc = {**doc, WRITER: uuid.uuid4().hex}
        try:
            result = await self._blob(name).upload_blob(_dumps(doc).encode(), overwrite=False,
                                                        metadata=metadata, content_settings=_JSON)
        except (ResourceExistsError, ResourceModifiedError):
            return await self._ours(name, doc)
        except HttpResponseError as exc:
            if exc.status_code in (409, 412):
                return await self._ours(name, doc)
            raise
        return result["etag"]

    async def _replace(self, name: str, doc: dict[str, Any], etag: str,
                       metadata: dict[str, str] | None = None) -> str | None:
        """Replaces a blob if it still has ``etag``; the new eTag, or None when it changed or is gone."""
        self._check_open()
        doc = {**doc, WRITER: uuid.uuid4().hex}
        try:
            result = await self._blob(name).upload_blob(_dumps(doc).encode(), overwrite=True, etag=etag,
                                                        match_condition=MatchConditions.IfNotModified,
                                                        metadata=metadata, content_settings=_JSON)
        except (ResourceModifiedError, ResourceNotFoundError):
            return await self._ours(name, doc)
        except HttpResponseError as exc:
            if exc.status_code in (404, 409, 412):
                return await self._ours(name, doc)
            raise
        return result["etag"]

    async def _ours(self, name: str, doc: dict[str, Any]) -> str | None:
        """After a refused conditional write: the blob's eTag when it is this very write after all (the SDK
        retried a write whose answer was lost, and the retry found the first attempt's result), else None."""
        got = await self._get(name)
        return got[1] if got is not None and got[0].get(WRITER) == doc[WRITER] else None

    async def _put(self, name: str, doc: dict[str, Any], metadata: dict[str, str] | None = None) -> str:
        self._check_open()
        result = await self._blob(name).upload_blob(_dumps(doc).encode(), overwrite=True, metadata=metadata,
                                                   content_settings=_JSON)
        return result["etag"]

    async def _delete(self, name: str, etag: str | None = None) -> bool:
        """Deletes a blob (if it still has ``etag`` when given); True when it was deleted."""
        self._check_open()
        try:
            if etag is None:
                await self._container.delete_blob(name)
            else:
                await self._container.delete_blob(name, etag=etag, match_condition=MatchConditions.IfNotModified)
        except (ResourceNotFoundError, ResourceModifiedError):
            return False
        except HttpResponseError as exc:
            if exc.status_code == 412:
                return False
            raise
        return True

    async def _names(self, prefix: str, limit: int | None = None,
                     metadata: bool = False) -> list[tuple[str, dict[str, str], str]]:
        """Blob names under ``prefix`` in name order (with their metadata when asked, and eTags), at most ``limit``."""
        self._check_open()
        found: list[tuple[str, dict[str, str], str]] = []
        per_page = min(limit, 5000) if limit else None
        pages = self._container.list_blobs(name_starts_with=prefix, include=["metadata"] if metadata else None,
                                           results_per_page=per_page).by_page()
        async for page in pages:
            async for blob in page:
                found.append((blob.name, dict(blob.metadata or {}), blob.etag))
                if limit is not None and len(found) >= limit:
                    return found
        return found

    async def _get_many(self, names: Iterable[str]) -> list[tuple[dict[str, Any], str] | None]:
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(name: str) -> tuple[dict[str, Any], str] | None:
            async with limit:
                return await self._get(name)

        return list(await asyncio.gather(*(one(name) for name in names)))

    # ---- botbuilder state -----------------------------------------------------------------------------------

    async def read_state(self, keys: list[str]) -> dict[str, StateItem]:
        keys = list(dict.fromkeys(keys))
        found = await self._get_many(f"state/{blob_key(key)}" for key in keys)
        return {key: StateItem(value=got[0]["value"], etag=got[1]) for key, got in zip(keys, found, strict=True)
                if got is not None}

    async def write_state(self, changes: dict[str, tuple[dict[str, Any], str | None]]) -> dict[str, str]:
        if not changes:
            return {}
        docs = {key: {"key": key, "value": _json_compatible(value, "state")} for key, (value, _) in changes.items()}
        expected = {key: etag for key, (_, etag) in changes.items() if etag is not None and etag != "*"}
        # one conditional key (botbuilder's usual batch) needs no look first: If-Match decides, before anything else
        # is written; with several, every eTag is checked first and kept to put back what a lost race half-wrote
        before: dict[str, tuple[dict[str, Any], str] | None] = {}
        if len(expected) > 1:
            before = dict(zip(expected, await self._get_many(f"state/{blob_key(key)}" for key in expected),
                              strict=True))
        for key, current in before.items():
            if current is None or current[1] != expected[key]:
                logger.debug("eTag conflict on state key %s", key)
                raise ETagConflict(f"state {key!r} was changed by someone else (stale eTag)")
        new_etags: dict[str, str] = {}
        for key, etag in expected.items():
            written = await self._replace(f"state/{blob_key(key)}", docs[key], etag)
            if written is None:
                await self._put_back(new_etags, before)
                raise ETagConflict(f"state {key!r} was changed by someone else (stale eTag)")
            new_etags[key] = written
        for key in changes:
            if key not in expected:
                new_etags[key] = await self._put(f"state/{blob_key(key)}", docs[key])
        return {key: new_etags[key] for key in changes}

    async def _put_back(self, written: dict[str, str], before: dict[str, tuple[dict[str, Any], str] | None]) -> None:
        """Undoes the conditional writes of a batch that lost a race (each only if nobody changed it since)."""
        for key, etag in written.items():
            old = before[key]
            if old is not None and await self._replace(f"state/{blob_key(key)}", old[0], etag) is None:
                logger.warning("state key %s changed again while its batch was undone", key)

    async def delete_state(self, keys: list[str]) -> None:
        await asyncio.gather(*(self._delete(f"state/{blob_key(key)}") for key in dict.fromkeys(keys)))

    # ---- conversation references ----------------------------------------------------------------------------

    async def save_conversation_reference(self, key: str, reference: dict[str, Any]) -> bool:
        doc = {"key": key, "ref": _json_compatible(reference, "a conversation reference"),
               "updated_at": _utc_text(datetime.now(UTC))}
        name = f"refs/{blob_key(key)}"
        if await self._create(name, doc) is not None:
            return True
        await self._put(name, doc)
        return False

    async def get_conversation_reference(self, key: str) -> dict[str, Any] | None:
        got = await self._get(f"refs/{blob_key(key)}")
        return None if got is None else got[0]["ref"]

    async def delete_conversation_reference(self, key: str) -> bool:
        return await self._delete(f"refs/{blob_key(key)}")

    async def list_conversation_references(self) -> dict[str, dict[str, Any]]:
        docs = await self._get_many(name for name, *_ in await self._names("refs/"))
        return {doc["key"]: doc["ref"] for doc, _ in sorted((got for got in docs if got is not None),
                                                           key=lambda got: got[0]["key"])}

    # ---- audit trail ------------------------------------------------------------------------------------------

    @staticmethod
    def _audit_name(seq: int) -> str:
        return f"audit/{_AUDIT_TOP - seq:015d}"

    async def _newest_audit_seq(self) -> int:
        newest = await self._names("audit/", limit=1)
        return _AUDIT_TOP - int(newest[0][0].removeprefix("audit/")) if newest else 0

    async def append_audit(self, entry: AuditEntry) -> AuditEntry:
        at = entry.at if entry.at is not None else datetime.now(UTC)
        doc = {"at": _utc_text(at), "actor_id": entry.actor_id, "actor_name": entry.actor_name,
               "action": entry.action, "target": entry.target, "conversation_id": entry.conversation_id,
               "outcome": entry.outcome, "detail": entry.detail, "correlation_id": entry.correlation_id}
        seq = (self._audit_hint or await self._newest_audit_seq()) + 1
        for _ in range(1000):  # each lost race means someone else appended: there is always progress
            if await self._create(self._audit_name(seq), {**doc, "seq": seq}) is not None:
                self._audit_hint = seq
                return replace(entry, at=_from_utc_text(doc["at"]), seq=seq)
            seq = max(seq, await self._newest_audit_seq()) + 1
        raise RuntimeError("could not append to the audit trail (too much contention)")

    async def latest_audit(self, limit: int) -> list[AuditEntry]:
        if limit <= 0:
            return []
        docs = await self._get_many(name for name, *_ in await self._names("audit/", limit=limit))
        return [AuditEntry(seq=doc["seq"], at=_from_utc_text(doc["at"]), actor_id=doc["actor_id"],
                           actor_name=doc["actor_name"], action=doc["action"], target=doc["target"],
                           conversation_id=doc["conversation_id"], outcome=doc["outcome"], detail=doc["detail"],
                           correlation_id=doc["correlation_id"])
                for doc, _ in (got for got in docs if got is not None)]

    # ---- confirmation tokens ----------------------------------------------------------------------------------

    async def put_confirmation(self, token: ConfirmationToken) -> None:
        doc = {"token": token.token, "operation": token.operation, "requested_by": token.requested_by,
               "payload": _json_compatible(token.payload, "a confirmation's payload"),
               "expires_at": None if token.expires_at is None else _utc_text(token.expires_at), "used_at": None}
        if await self._create(f"tokens/{blob_key(token.token)}", doc, self._token_metadata(doc)) is None:
            raise ValueError("confirmation token already exists")

    @staticmethod
    def _live(doc: dict[str, Any], now_text: str) -> ConfirmationToken | None:
        if doc["used_at"] is not None or (doc["expires_at"] is not None and doc["expires_at"] <= now_text):
            return None
        return ConfirmationToken(token=doc["token"], operation=doc["operation"], requested_by=doc["requested_by"],
                                 payload=doc["payload"], expires_at=_from_utc_text(doc["expires_at"]))

    async def peek_confirmation(self, token: str, now: datetime) -> ConfirmationToken | None:
        now_text = _utc_text(now)
        got = await self._get(f"tokens/{blob_key(token)}")
        return None if got is None else self._live(got[0], now_text)

    async def take_confirmation(self, token: str, now: datetime) -> ConfirmationToken | None:
        now_text = _utc_text(now)
        name = f"tokens/{blob_key(token)}"
        got = await self._get(name)
        if got is None or (found := self._live(got[0], now_text)) is None:
            return None
        # the only change a token ever sees is being taken: losing this race means someone else took it
        self._prune_now_and_then(now)
        taken = await self._replace(name, {**got[0], "used_at": now_text}, got[1], self._token_metadata(got[0]))
        return found if taken is not None else None

    @staticmethod
    def _token_metadata(doc: dict[str, Any]) -> dict[str, str]:
        return {"expires_at": doc["expires_at"] or ""}  # for pruning from a listing

    # ---- activity de-duplication ------------------------------------------------------------------------------

    async def first_sighting(self, activity_key: str, now: datetime) -> bool:
        doc = {"key": activity_key, "seen_at": _utc_text(now)}
        metadata = {"seen_at": doc["seen_at"]}  # for pruning from a listing
        name = f"seen/{blob_key(activity_key)}"
        self._prune_now_and_then(now)
        for _ in range(3):
            if await self._create(name, doc, metadata) is not None:
                return True
            got = await self._get(name)
            if got is None:
                continue  # removed meanwhile: try to be first again
            seen_at = _from_utc_text(got[0]["seen_at"])
            if seen_at is not None and seen_at > now - SEEN_RETENTION:
                return False
            return await self._replace(name, doc, got[1], metadata) is not None  # forgotten: the first to renew it
        return False

    # ---- work journal -----------------------------------------------------------------------------------------

    async def record_intent(self, intent: WorkIntent) -> None:
        if not intent.id or not intent.operation:
            raise ValueError("a work intent needs an id and an operation")
        doc = {"id": intent.id, "operation": intent.operation, "requested_by": intent.requested_by,
               "conversation_id": intent.conversation_id, "card_activity_id": intent.card_activity_id,
               "at": _utc_text(intent.at), "data": _json_compatible(intent.data, "a work intent's data"),
               "recorded": self._stamp(), "outcome": None}
        name = blob_key(intent.id)
        await self._put(f"work-open/{name}", {"id": intent.id})  # first: a crash never hides an intent
        if await self._create(f"work/{name}", doc) is None:
            raise DuplicateIntent("a work intent with this id is already recorded")

    @staticmethod
    def _recorded_work(doc: dict[str, Any]) -> RecordedWork:
        intent = WorkIntent(id=doc["id"], operation=doc["operation"], requested_by=doc["requested_by"],
                            conversation_id=doc["conversation_id"], card_activity_id=doc["card_activity_id"],
                            at=_from_utc_text(doc["at"]), data=doc["data"])
        outcome = doc["outcome"]
        if outcome is None:
            return RecordedWork(intent)
        return RecordedWork(intent, WorkOutcome(outcome=outcome["outcome"], at=_from_utc_text(outcome["at"]),
                                                detail=outcome["detail"]))

    async def record_outcome(self, intent_id: str, outcome: WorkOutcome) -> bool:
        if not outcome.outcome:
            raise ValueError("a work outcome must not be empty")
        ended = {"outcome": outcome.outcome, "at": _utc_text(outcome.at), "detail": outcome.detail}
        name = blob_key(intent_id)
        while True:
            got = await self._get(f"work/{name}")
            if got is None:
                raise UnknownIntent("no work intent with this id was recorded")
            if got[0]["outcome"] is not None:
                return False
            if await self._replace(f"work/{name}", {**got[0], "outcome": ended}, got[1]) is not None:
                await self._delete(f"work-open/{name}")
                return True

    async def unfinished_intents(self) -> list[WorkIntent]:
        names = [name.removeprefix("work-open/") for name, *_ in await self._names("work-open/")]
        docs = await self._get_many(f"work/{name}" for name in names)
        unfinished = []
        for name, got in zip(names, docs, strict=True):
            if got is not None and got[0]["outcome"] is None:
                unfinished.append(got[0])
            elif got is not None:  # ended, but its index entry outlived a crash: tidy up
                await self._delete(f"work-open/{name}")
        unfinished.sort(key=lambda doc: (doc["at"], doc["recorded"]))
        return [self._recorded_work(doc).intent for doc in unfinished]

    async def get_work(self, intent_id: str) -> RecordedWork | None:
        got = await self._get(f"work/{blob_key(intent_id)}")
        return None if got is None else self._recorded_work(got[0])

    # ---- model check results ----------------------------------------------------------------------------------

    async def put_model_check(self, check: ModelCheck) -> bool:
        if not check.key:
            raise ValueError("a model check needs a key")
        doc = {"key": check.key, "result": _json_compatible(check.result, "a model check result"),
               "checked_at": _utc_text(check.checked_at)}
        return await self._create(f"model-checks/{blob_key(check.key)}", doc) is not None

    async def get_model_check(self, key: str) -> ModelCheck | None:
        got = await self._get(f"model-checks/{blob_key(key)}")
        if got is None:
            return None
        checked_at = _from_utc_text(got[0]["checked_at"])
        assert checked_at is not None
        return ModelCheck(got[0]["key"], got[0]["result"], checked_at)

    # ---- service hook subscriptions ---------------------------------------------------------------------------

    @staticmethod
    def _subscription(doc: dict[str, Any]) -> HookSubscription:
        created_at = _from_utc_text(doc["created_at"])
        assert created_at is not None
        return HookSubscription(id=doc["id"], conversation_id=doc["conversation_id"], kind=doc["kind"],
                                definition=doc["definition"], stage=doc["stage"], failures_only=doc["failures_only"],
                                devops_ids=tuple(doc["devops_ids"]), secret_hash=doc["secret_hash"],
                                created_by=doc["created_by"], created_at=created_at, paused=doc["paused"])

    async def add_hook_subscription(self, subscription: HookSubscription) -> None:
        if not subscription.id or not subscription.conversation_id:
            raise ValueError("a hook subscription needs an id and a conversation")
        doc = {"id": subscription.id, "conversation_id": subscription.conversation_id, "kind": subscription.kind,
               "definition": subscription.definition, "stage": subscription.stage,
               "failures_only": subscription.failures_only, "devops_ids": list(subscription.devops_ids),
               "secret_hash": subscription.secret_hash, "created_by": subscription.created_by,
               "created_at": _utc_text(subscription.created_at), "paused": "", "recorded": self._stamp()}
        metadata = {"conversation": blob_key(subscription.conversation_id)[:1024]}
        if await self._create(f"hooks/{blob_key(subscription.id)}", doc, metadata) is None:
            raise ValueError(f"hook subscription {subscription.id} is stored already")

    async def get_hook_subscription(self, subscription_id: str) -> HookSubscription | None:
        got = await self._get(f"hooks/{blob_key(subscription_id)}")
        return None if got is None else self._subscription(got[0])

    async def _conversation_hooks(self, conversation_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The conversation's subscription blobs and documents, oldest first."""
        wanted = blob_key(conversation_id)[:1024]
        listed = await self._names("hooks/", metadata=True)
        names = [name for name, meta, _ in listed if meta.get("conversation") == wanted]
        docs = [(name, got[0]) for name, got in zip(names, await self._get_many(names), strict=True)
                if got is not None and got[0]["conversation_id"] == conversation_id]
        return sorted(docs, key=lambda item: (item[1]["created_at"], item[1]["recorded"]))

    async def list_hook_subscriptions(self, conversation_id: str) -> list[HookSubscription]:
        return [self._subscription(doc) for _, doc in await self._conversation_hooks(conversation_id)]

    async def delete_hook_subscription(self, subscription_id: str) -> bool:
        return await self._delete(f"hooks/{blob_key(subscription_id)}")

    async def _set_paused(self, name: str, paused: str, when: str) -> bool:
        """Sets one subscription's pause (only if it is ``when``: "" = active, "*" = paused); True when changed."""
        while True:
            got = await self._get(name)
            if got is None or (got[0]["paused"] != "" if when == "" else got[0]["paused"] == ""):
                return False
            if await self._replace(name, {**got[0], "paused": paused}, got[1],
                                   {"conversation": blob_key(got[0]["conversation_id"])[:1024]}) is not None:
                return True

    async def pause_hook_subscriptions(self, conversation_id: str, reason: str) -> int:
        if not reason:
            raise ValueError("a pause needs a reason")
        hooks = await self._conversation_hooks(conversation_id)
        return sum(await asyncio.gather(*(self._set_paused(name, reason, "") for name, _ in hooks)))

    async def resume_hook_subscriptions(self, conversation_id: str) -> int:
        hooks = await self._conversation_hooks(conversation_id)
        return sum(await asyncio.gather(*(self._set_paused(name, "", "*") for name, _ in hooks)))

    # ---- digest schedules -------------------------------------------------------------------------------------

    @staticmethod
    def _schedule(doc: dict[str, Any]) -> DigestSchedule:
        created = _from_utc_text(doc["created_at"])
        assert created is not None
        return DigestSchedule(conversation_id=doc["conversation_id"], kind=doc["kind"], at=doc["at"],
                              zone=doc["zone"], created_by=doc["created_by"], created_at=created,
                              last_due=_from_utc_text(doc["last_due"]), paused=doc["paused"],
                              paused_at=_from_utc_text(doc["paused_at"]))

    @staticmethod
    def _schedule_metadata(doc: dict[str, Any]) -> dict[str, str] | None:
        """The document again in metadata (small: 8 KiB at most), so one listing reads every schedule."""
        packed = base64.urlsafe_b64encode(_dumps(doc).encode()).decode()
        return {"doc": packed} if len(packed) < 6000 else None

    async def _write_schedule(self, name: str, doc: dict[str, Any], etag: str | None) -> bool:
        metadata = self._schedule_metadata(doc)
        if etag is None:
            return await self._create(name, doc, metadata) is not None
        return await self._replace(name, doc, etag, metadata) is not None

    async def put_schedule(self, schedule: DigestSchedule) -> None:
        if not schedule.conversation_id:
            raise ValueError("a digest schedule needs a conversation id")
        doc = {"conversation_id": schedule.conversation_id, "kind": schedule.kind, "at": schedule.at,
               "zone": schedule.zone, "created_by": schedule.created_by, "created_at": _utc_text(schedule.created_at),
               "last_due": None if schedule.last_due is None else _utc_text(schedule.last_due), "paused": "",
               "paused_at": None}
        name = f"schedules/{blob_key(schedule.conversation_id)}"
        while True:
            got = await self._get(name)
            if got is not None:
                doc["last_due"] = got[0]["last_due"]  # a due time claimed is never claimed again
            if await self._write_schedule(name, doc, None if got is None else got[1]):
                return

    async def get_schedule(self, conversation_id: str) -> DigestSchedule | None:
        got = await self._get(f"schedules/{blob_key(conversation_id)}")
        return None if got is None else self._schedule(got[0])

    async def delete_schedule(self, conversation_id: str) -> bool:
        return await self._delete(f"schedules/{blob_key(conversation_id)}")

    async def list_schedules(self) -> list[DigestSchedule]:
        docs: list[dict[str, Any]] = []
        missing: list[str] = []
        for name, meta, _ in await self._names("schedules/", metadata=True):
            if "doc" in meta:
                docs.append(json.loads(base64.urlsafe_b64decode(meta["doc"])))
            else:
                missing.append(name)
        docs.extend(got[0] for got in await self._get_many(missing) if got is not None)
        return [self._schedule(doc) for doc in sorted(docs, key=lambda doc: doc["conversation_id"])]

    async def claim_digest(self, conversation_id: str, due: datetime) -> bool:
        due_text = _utc_text(due)
        name = f"schedules/{blob_key(conversation_id)}"
        while True:
            got = await self._get(name)
            if got is None or got[0]["paused"] or (got[0]["last_due"] is not None and got[0]["last_due"] >= due_text):
                return False
            if await self._write_schedule(name, {**got[0], "last_due": due_text}, got[1]):
                return True

    async def pause_schedule(self, conversation_id: str, reason: str, at: datetime) -> bool:
        if not reason:
            raise ValueError("a pause needs a reason")
        at_text = _utc_text(at)
        name = f"schedules/{blob_key(conversation_id)}"
        while True:
            got = await self._get(name)
            if got is None or got[0]["paused"]:
                return False
            if await self._write_schedule(name, {**got[0], "paused": reason, "paused_at": at_text}, got[1]):
                return True

    # ---- pruning ----------------------------------------------------------------------------------------------

    def _prune_now_and_then(self, now: datetime) -> None:
        """Starts ``prune_expired`` in the background a minute after opening and then at most every hour."""
        if time.monotonic() < self._next_prune or (self._pruning is not None and not self._pruning.done()):
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY_S
        self._pruning = asyncio.get_running_loop().create_task(self._prune_quietly(now), name="blob store pruning")

    async def _prune_quietly(self, now: datetime) -> None:
        try:
            pruned = await self.prune_expired(now)
        except (HttpResponseError, OSError, StoreClosed) as exc:  # next time, then
            logger.warning("blob store pruning failed", extra={"reason": type(exc).__name__})
        else:
            logger.info("blob store pruned %d expired activity keys and tokens", pruned)

    async def prune_expired(self, now: datetime) -> int:
        """Deletes activity keys seen 24 h or more before ``now`` and tokens expired more than 24 h before it, as
        SQLite does (each only if unchanged since listed); how many. Runs by itself now and then (see above)."""
        seen_before = _utc_text(now - SEEN_RETENTION)
        tokens_before = _utc_text(now - CONFIRMATION_RETENTION)
        doomed = [(name, etag) for name, meta, etag in await self._names("seen/", metadata=True)
                  if meta.get("seen_at") and meta["seen_at"] <= seen_before]
        doomed += [(name, etag) for name, meta, etag in await self._names("tokens/", metadata=True)
                   if meta.get("expires_at") and meta["expires_at"] < tokens_before]
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(name: str, etag: str) -> bool:
            async with limit:
                return await self._delete(name, etag)

        return sum(await asyncio.gather(*(one(name, etag) for name, etag in doomed)))

    # ---- leases -----------------------------------------------------------------------------------------------

    async def acquire_lease(self, name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
        _check_lease(name, holder, ttl)
        doc = {"name": name, "holder": holder, "expires_at": _utc_text(now + ttl)}
        blob = f"leases/{blob_key(name)}"
        now_text = _utc_text(now)
        while True:
            got = await self._get(blob)
            if got is None:
                if await self._create(blob, doc) is not None:
                    return True
                continue
            if got[0]["holder"] != holder and got[0]["expires_at"] > now_text:
                return False
            if await self._replace(blob, doc, got[1]) is not None:
                return True

    async def renew_lease(self, name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
        _check_lease(name, holder, ttl)
        blob = f"leases/{blob_key(name)}"
        now_text = _utc_text(now)
        while True:
            got = await self._get(blob)
            if got is None or got[0]["holder"] != holder or got[0]["expires_at"] <= now_text:
                return False
            if await self._replace(blob, {**got[0], "expires_at": _utc_text(now + ttl)}, got[1]) is not None:
                return True

    async def release_lease(self, name: str, holder: str) -> bool:
        blob = f"leases/{blob_key(name)}"
        while True:
            got = await self._get(blob)
            if got is None or got[0]["holder"] != holder:
                return False
            if await self._delete(blob, got[1]):
                return True

    async def lease_holder(self, name: str, now: datetime) -> str | None:
        now_text = _utc_text(now)
        got = await self._get(f"leases/{blob_key(name)}")
        return None if got is None or got[0]["expires_at"] <= now_text else got[0]["holder"]

    # ---- lifecycle --------------------------------------------------------------------------------------------

    async def ping(self) -> None:
        self._check_open()
        await self._container.get_container_properties()

    async def close(self) -> None:
        """Closes the service client (and the Entra credential); later calls raise ``StoreClosed``."""
        if self._closed:
            return
        self._closed = True
        if self._pruning is not None:
            self._pruning.cancel()
            await asyncio.gather(self._pruning, return_exceptions=True)
        closing: list[Awaitable[Any]] = [self._service.close()]
        if self._credential is not None and hasattr(self._credential, "close"):
            closing.append(self._credential.close())
        await asyncio.gather(*closing, return_exceptions=True)
        logger.info("blob store on container %s closed", self.container_name)

