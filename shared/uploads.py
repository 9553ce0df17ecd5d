"""Screening an uploaded training blob: exactly one verdict per content, no work twice.

The blob trigger calls :func:`screen_upload` with the SDK's BlobClient. Events
are delivered at least once, so before reading anything it asks the verdict
store what this blob name last was: an event for a name and ETag that already
have a verdict does nothing. Otherwise the blob is hashed in a first streaming
pass, and content that already has a verdict under another name reuses it.
Only new content is screened, in a second streaming pass, chunk by chunk: the
blob is never held in memory.

An analyzer outage raises :class:`ScreeningUnavailable` so the platform retries
the invocation; after the last retry the blob trigger puts the blob on its
poison queue, and :func:`record_poisoned` records the ``error`` verdict, so a
pipeline never waits forever.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError
from azure.storage.blob import BlobClient, BlobProperties

from shared import telemetry
from shared.analyzers.base import Analyzer
from shared.errors import FtgateError
from shared.heap import return_large_blocks
from shared.policy import POLICY_VERSION
from shared.screening import Outcome, screen
from shared.settings import StorageConnection
from shared.storedverdict import StoredVerdict, stands
from shared.verdicts import BlobState, VerdictStore

log = logging.getLogger(__name__)

VERDICT_TAG = "rai-verdict"
POLICY_TAG = "rai-policy"
DOWNLOAD_CHUNK = 4 * 1024 * 1024  # bytes per ranged GET: the SDK's own chunk size
MAX_TAG_ATTEMPTS = 3  # blob replaced again and again while tagging: end with no tags


class ScreeningUnavailable(FtgateError):
    """The analyzer failed; the invocation should fail so that the platform retries."""


async def screen_upload(
    blob: BlobClient,
    analyzer_factory: Callable[[], Analyzer],
    store: VerdictStore,
    *,
    force: bool = False,
) -> StoredVerdict:
    """The verdict for ``blob``: recorded before, reused, or screened now
    (``force``: screened now in any case, as an operator's re-evaluation asks)."""
    return_large_blocks()  # the 4 MiB chunks read go back to the system once freed
    with telemetry.evaluation("data") as trace:
        stored = await _screen_upload(blob, analyzer_factory, store, force=force)
        trace.set_attribute("ftgate.sha256", stored.key)
        trace.set_attribute("ftgate.verdict", stored.verdict)
        return stored


async def _screen_upload(
    blob: BlobClient,
    analyzer_factory: Callable[[], Analyzer],
    store: VerdictStore,
    *,
    force: bool,
) -> StoredVerdict:
    name = blob.blob_name
    with telemetry.step("read") as span:
        properties = await asyncio.to_thread(blob.get_blob_properties)
        etag = properties.etag
        span.set_attribute("ftgate.bytes", properties.size)
        state = await store.get_blob_state(name)
        if state is not None and state.etag == etag and not force:
            known = await store.get_data_verdict(state.sha256)
            if stands(known):
                log.info("redelivered event: verdict %s already recorded", known.verdict)
                return known
        sha256 = await _hash(blob, properties)
        span.set_attribute("ftgate.sha256", sha256)
        known = await store.get_data_verdict(sha256)
    if stands(known) and not force:
        log.info("content %s already screened: reusing verdict %s", sha256, known.verdict)
        stored = known
    else:
        with telemetry.step("analyze", sha256=sha256) as span:
            async with analyzer_factory() as analyzer:
                verdict = await screen(_chunks(blob, properties), analyzer)
            span.set_attributes(
                {"ftgate.texts": verdict.texts, "ftgate.unique_texts": verdict.unique_texts}
            )
        log.info(
            "screened %s: verdict %s, %d examples, %d texts, %d analyzed, %.1f s",
            verdict.sha256,
            verdict.verdict.value,
            verdict.examples,
            verdict.texts,
            verdict.unique_texts,
            verdict.duration_seconds,
        )
        if verdict.verdict is Outcome.ERROR:
            raise ScreeningUnavailable(verdict.message)
        with telemetry.step("decide", sha256=sha256, verdict=verdict.verdict.value):
            stored = StoredVerdict.of_data(verdict, blob_name=name, etag=etag)
            await store.put_verdict(stored)
    await store.put_blob_state(name, BlobState(etag, stored.key))
    await _tag(blob, etag, stored.verdict, store)
    return stored


async def record_poisoned(blob: BlobClient, store: VerdictStore, reason: str) -> StoredVerdict:
    """Record ``error`` for a blob whose screening failed on every retry."""
    properties = await asyncio.to_thread(blob.get_blob_properties)
    sha256 = await _hash(blob, properties)
    known = await store.get_data_verdict(sha256)
    if stands(known):
        return known  # a later retry succeeded after all
    stored = StoredVerdict.data_error(
        sha256, reason, blob_name=blob.blob_name, etag=properties.etag, size=properties.size
    )
    await store.put_verdict(stored)
    await store.put_blob_state(blob.blob_name, BlobState(properties.etag, sha256))
    await _tag(blob, properties.etag, stored.verdict, store)
    return stored


def _download(blob: BlobClient, etag: str, offset: int, length: int) -> bytes:
    """``length`` bytes at ``offset``, as of ``etag``: a blob replaced mid-read
    fails, not mixes.

    One ranged GET per chunk rather than the SDK's whole-blob stream, whose first
    response is 32 MiB that its chunk iterator then copies slice by slice; a range
    no larger than the SDK's chunk size comes out of ``chunks()`` as the response's
    own bytes, held once (``join`` of one piece is that piece).
    """
    stream = blob.download_blob(
        offset, length, etag=etag, match_condition=MatchConditions.IfNotModified
    )
    return b"".join(stream.chunks())


async def _chunks(blob: BlobClient, properties: BlobProperties):
    """The blob's chunks as ``properties`` describe it, each read on a worker
    thread, so analyzer calls keep flowing meanwhile."""
    for offset in range(0, properties.size, DOWNLOAD_CHUNK):
        length = min(DOWNLOAD_CHUNK, properties.size - offset)
        yield await asyncio.to_thread(_download, blob, properties.etag, offset, length)


async def _hash(blob: BlobClient, properties: BlobProperties) -> str:
    digest = hashlib.sha256()
    async for chunk in _chunks(blob, properties):
        digest.update(chunk)
    return digest.hexdigest()


async def _tag(blob: BlobClient, etag: str, verdict: str, store: VerdictStore) -> None:
    """Index tags, so the portal and automation can see the outcome without the table.

    Tags take no ETag condition: set on a blob replaced while ``etag`` was being
    screened, they would describe the new content. So the blob is read again
    after tagging, and while its ETag has moved the tags are rewritten for the
    content it has now (its verdict if one stands, else no tags at all: no tag
    is honest, a wrong one is not).
    """
    tags = _tags(verdict)
    for _ in range(MAX_TAG_ATTEMPTS):
        await asyncio.to_thread(blob.set_blob_tags, tags)
        if not tags:
            return
        current = await asyncio.to_thread(blob.get_blob_properties)
        if current.etag == etag:
            return
        log.warning("blob replaced while it was screened: its tags are rewritten")
        etag, tags = current.etag, await _tags_of(blob, current, store)
    await asyncio.to_thread(blob.set_blob_tags, {})


async def _tags_of(
    blob: BlobClient, properties: BlobProperties, store: VerdictStore
) -> dict[str, str]:
    """The tags for the content ``blob`` has as ``properties`` describe it: none
    unless a verdict stands.

    The content is hashed again rather than trusted to the blob-name record, which
    the older screening may just have overwritten; this costs a read only in a race.
    """
    try:
        sha256 = await _hash(blob, properties)
    except ResourceModifiedError:  # replaced yet again: the next round decides
        return {}
    known = await store.get_data_verdict(sha256)
    return _tags(known.verdict) if stands(known) else {}


def _tags(verdict: str) -> dict[str, str]:
    return {VERDICT_TAG: verdict, POLICY_TAG: POLICY_VERSION}


def open_blob(storage: StorageConnection, container: str, name: str) -> BlobClient:
    """A BlobClient from a connection string or a managed identity (user-assigned if set)."""
    if storage.connection_string:
        return BlobClient.from_connection_string(storage.connection_string, container, name)
    credential = storage.credential(asynchronous=False)
    return BlobClient(str(storage.blob_service_uri), container, name, credential=credential)
