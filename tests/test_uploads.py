"""Screening uploaded blobs end to end: Azurite for blobs and tables, Content Safety emulated."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid

import pytest
from azure.core.exceptions import ResourceModifiedError
from azure.storage.blob import BlobServiceClient
from emulators.contentsafety import ContentSafetyEmulator

from conftest import chat, clean_file, jsonl
from shared import uploads
from shared.analyzers.contentsafety import ContentSafetyAnalyzer
from shared.policy import POLICY_VERSION
from shared.settings import ContentSafetySettings, StorageConnection
from shared.uploads import ScreeningUnavailable, record_poisoned, screen_upload
from shared.verdicts import TableVerdictStore

THREAT = "I will kill you and your whole family."
CANARY = "CANARY-0b7d55-UPLOAD"


@pytest.fixture
def container(azurite):
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    client = service.create_container(f"training-{uuid.uuid4().hex[:8]}")
    yield client
    client.delete_container()


@pytest.fixture
def emulator():
    with ContentSafetyEmulator() as running:
        yield running


def upload(container, data: bytes, name: str | None = None):
    blob = container.get_blob_client(name or f"{uuid.uuid4().hex}.jsonl")
    blob.upload_blob(data, overwrite=True)
    return blob


def run_upload(azurite, emulator, blob, table: str = "verdicts"):
    settings = ContentSafetySettings(
        endpoint=emulator.endpoint, key=emulator.knobs.key, backoff_base=0.01, max_attempts=2
    )

    async def run():
        storage = StorageConnection(connection_string=azurite.connection_string)
        async with TableVerdictStore.open(storage, table) as store:
            # As stored: the columns are what the gate and the portal read.
            verdict = await screen_upload(blob, lambda: ContentSafetyAnalyzer(settings), store)
            stored = await store.get_data_verdict(verdict.key)
            return verdict.to_entity(), stored.to_entity()

    return asyncio.run(run())


def fresh_clean_file() -> bytes:
    """Clean content no earlier test uploaded (verdicts are per content)."""
    tag = uuid.uuid4().hex
    return jsonl(chat(f"Question {i} ({tag})?", f"Answer {i}.") for i in range(10))


def harmful_file() -> bytes:
    """Failing content, new each call; the canary is in every text."""
    tag = uuid.uuid4().hex
    rows = [chat(f"{CANARY} q{i} {tag}", f"{CANARY} a{i}") for i in range(12)]
    rows[4] = chat(assistant=f"{CANARY} {THREAT}")
    return jsonl(rows)


def test_clean_failing_and_invalid_uploads_get_their_verdicts(azurite, emulator, container):
    clean, failing, invalid = (
        upload(container, data) for data in (fresh_clean_file(), harmful_file(), clean_file(5))
    )
    verdicts = {
        "clean": run_upload(azurite, emulator, clean)[1],
        "failing": run_upload(azurite, emulator, failing)[1],
        "invalid": run_upload(azurite, emulator, invalid)[1],
    }
    assert verdicts["clean"]["Verdict"] == "passed"
    failed = verdicts["failing"]
    assert failed["Verdict"] == "failed"
    assert failed["HarmTypes"] == "violence"
    assert failed["PolicyVersion"] == POLICY_VERSION
    assert failed["Analyzer"] == "contentsafety"
    assert json.loads(failed["Findings"])[0] == {
        "line": 5, "path": "messages[2].content", "category": "Violence", "severity": 6,
    }  # fmt: skip
    assert failed["BlobName"] == failing.blob_name
    assert verdicts["invalid"]["Verdict"] == "invalid"
    assert json.loads(verdicts["invalid"]["Errors"])[0]["rule"] == "too_few_examples"
    assert failing.get_blob_tags() == {"rai-verdict": "failed", "rai-policy": POLICY_VERSION}


def test_a_redelivered_event_does_no_work_twice(azurite, emulator, container):
    blob = upload(container, harmful_file())
    first, _ = run_upload(azurite, emulator, blob)
    requests = emulator.stats.requests
    assert requests > 0
    second, _ = run_upload(azurite, emulator, blob)
    assert emulator.stats.requests == requests
    assert second["RowKey"] == first["RowKey"]


def test_the_same_content_under_another_name_reuses_its_verdict(azurite, emulator, container):
    data = harmful_file()
    run_upload(azurite, emulator, upload(container, data))
    requests = emulator.stats.requests
    assert requests > 0
    copy = upload(container, data, "copy-of-the-same.jsonl")
    entity, _ = run_upload(azurite, emulator, copy)
    assert emulator.stats.requests == requests
    assert entity["Verdict"] == "failed"
    assert copy.get_blob_tags()["rai-verdict"] == "failed"


def test_an_outage_fails_the_invocation_and_poison_records_error(azurite, emulator, container):
    blob = upload(container, fresh_clean_file())
    emulator.knobs.fail_every = 1
    with pytest.raises(ScreeningUnavailable, match="503"):
        run_upload(azurite, emulator, blob)

    async def poison():
        storage = StorageConnection(connection_string=azurite.connection_string)
        async with TableVerdictStore.open(storage, "verdicts") as store:
            verdict = await record_poisoned(blob, store, "the analyzer failed on every retry")
            return verdict.to_entity()

    entity = asyncio.run(poison())
    assert entity["Verdict"] == "error"
    assert blob.get_blob_tags()["rai-verdict"] == "error"
    emulator.knobs.fail_every = 0
    retried, _ = run_upload(azurite, emulator, blob)  # a later upload event screens it again
    assert retried["Verdict"] == "passed"


def test_no_training_text_reaches_the_table_or_the_tags(azurite, emulator, container):
    blob = upload(container, harmful_file())
    _, stored = run_upload(azurite, emulator, blob)
    assert CANARY not in json.dumps(stored, default=str)
    assert CANARY not in json.dumps(blob.get_blob_tags())


def test_a_1000_character_blob_name_is_screened_tagged_and_poisoned(azurite, emulator, container):
    # Every "/" and "é" would be escaped in a percent-encoded key (3 and 6 characters),
    # far past Table Storage's key limit; the digest key is 64 characters.
    name = ("dé/" * 334)[:999] + "x"
    assert len(name) == 1000
    blob = upload(container, fresh_clean_file(), name)
    entity, _ = run_upload(azurite, emulator, blob)
    assert entity["Verdict"] == "passed"
    assert blob.get_blob_tags()["rai-verdict"] == "passed"

    async def state_and_poison():
        storage = StorageConnection(connection_string=azurite.connection_string)
        async with TableVerdictStore.open(storage, "verdicts") as store:
            state = await store.get_blob_state(name)
            await store.record_poisoned("data", name)
            poisoned = await store.list_named("poisoned", 1_000)
            return state, [p for p in poisoned if p["Key"] == name]

    state, poisoned = asyncio.run(state_and_poison())
    assert state is not None
    assert state.sha256 == entity["RowKey"]
    assert len(poisoned) == 1
    assert len(poisoned[0]["RowKey"]) == 64


class _ReplacedMidScreening(ContentSafetyAnalyzer):
    """Content Safety, while someone uploads new content over the blob being screened
    (and, with ``screen_new``, that upload's own event is screened first)."""

    def __init__(self, settings, blob, data: bytes, screen_new=None) -> None:
        super().__init__(settings)
        self._blob, self._data, self._screen_new = blob, data, screen_new

    async def analyze(self, texts):
        if self._data is not None:
            data, self._data = self._data, None
            await asyncio.to_thread(self._blob.upload_blob, data, overwrite=True)
            if self._screen_new is not None:
                await self._screen_new()
        return await super().analyze(texts)


def _race(azurite, emulator, blob, data: bytes, *, screen_new: bool):
    settings = ContentSafetySettings(endpoint=emulator.endpoint, key=emulator.knobs.key)

    async def run():
        storage = StorageConnection(connection_string=azurite.connection_string)
        async with TableVerdictStore.open(storage, "verdicts") as store:

            async def newer():
                await screen_upload(blob, lambda: ContentSafetyAnalyzer(settings), store)

            racing = _ReplacedMidScreening(settings, blob, data, newer if screen_new else None)
            return (await screen_upload(blob, lambda: racing, store)).to_entity()

    return asyncio.run(run())


def test_tags_never_describe_content_replaced_while_it_was_screened(azurite, emulator, container):
    blob = upload(container, fresh_clean_file())
    first = _race(azurite, emulator, blob, harmful_file(), screen_new=False)
    assert first["Verdict"] == "passed"  # the verdict of the content that was screened
    assert blob.get_blob_tags() == {}  # the harmful content now there is not "passed"
    newer, _ = run_upload(azurite, emulator, blob)  # its own upload event
    assert newer["Verdict"] == "failed"
    assert blob.get_blob_tags()["rai-verdict"] == "failed"


def test_tags_of_replaced_content_give_way_to_the_newer_verdict(azurite, emulator, container):
    blob = upload(container, fresh_clean_file())
    first = _race(azurite, emulator, blob, harmful_file(), screen_new=True)
    assert first["Verdict"] == "passed"
    assert blob.get_blob_tags()["rai-verdict"] == "failed"


def test_a_blob_is_read_in_ranges_that_split_lines_anywhere(
    azurite, emulator, container, monkeypatch
):
    monkeypatch.setattr(uploads, "DOWNLOAD_CHUNK", 397)  # a prime: ranges end mid-line
    data = harmful_file()
    entity, _ = run_upload(azurite, emulator, upload(container, data))
    assert entity["RowKey"] == hashlib.sha256(data).hexdigest()
    assert entity["Verdict"] == "failed"
    assert entity["Bytes"] == len(data) > 5 * 397
    assert json.loads(entity["Findings"])[0]["line"] == 5


def test_an_empty_blob_is_invalid(azurite, emulator, container):
    entity, _ = run_upload(azurite, emulator, upload(container, b""))
    assert entity["Verdict"] == "invalid"
    assert json.loads(entity["Errors"])[0]["rule"] == "empty_file"


def test_a_blob_replaced_between_ranges_fails_rather_than_mixes(container, monkeypatch):
    monkeypatch.setattr(uploads, "DOWNLOAD_CHUNK", 100)
    blob = upload(container, fresh_clean_file())
    properties = blob.get_blob_properties()

    async def read() -> None:
        chunks = uploads._chunks(blob, properties)
        assert len(await anext(chunks)) == 100
        blob.upload_blob(harmful_file(), overwrite=True)
        with pytest.raises(ResourceModifiedError):
            await anext(chunks)

    asyncio.run(read())
