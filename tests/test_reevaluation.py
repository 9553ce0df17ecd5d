"""Stale verdicts after a policy change, re-evaluation on request, and replaying poisoned work."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import uuid

import azure.functions as func
import pytest
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient, TextBase64DecodePolicy
from emulators.contentsafety import ContentSafetyEmulator

import function_app
from conftest import chat, jsonl
from shared import cli
from shared.gate import data_answer, model_answer
from shared.lineage import DataFile, TrainingData
from shared.policy import POLICY_VERSION
from shared.reevaluation import read_rescreen_message, rescreen_message
from shared.settings import STORAGE_CONNECTION, StorageConnection
from shared.storedverdict import DATA_PARTITION, MODEL_PARTITION, StoredVerdict, row_key
from shared.verdicts import PoisonedWork, TableVerdictStore

OLD_POLICY = "2025.01.1"


def _model(verdict: str, policy: str) -> StoredVerdict:
    return StoredVerdict("model", row_key("ft-1"), verdict, policy_version=policy)


def test_the_gate_answers_a_stale_verdict_as_pending():
    for answer in (
        model_answer(_model("deployable", OLD_POLICY), TrainingData(())),
        data_answer(StoredVerdict("data", "a" * 64, "passed", policy_version=OLD_POLICY)),
    ):
        assert answer.status == 404
        assert answer.body == {"status": "pending", "stale_policy_version": OLD_POLICY}
    current = _model("deployable", POLICY_VERSION)
    passed = TrainingData((DataFile("Training", "file-1", "a" * 64, "passed"),))
    assert model_answer(current, passed).status == 200


@pytest.fixture
def ops(azurite, monkeypatch):
    with ContentSafetyEmulator() as safety:
        container = f"training-{uuid.uuid4().hex[:8]}"
        BlobServiceClient.from_connection_string(azurite.connection_string).create_container(
            container
        )
        settings = {
            STORAGE_CONNECTION: azurite.connection_string,
            "TRAINING_CONTAINER": container,
            "VERDICTS_TABLE": f"verdicts{uuid.uuid4().hex[:8]}",
            "MODEL_EVALUATIONS_QUEUE": f"evals-{uuid.uuid4().hex[:8]}",
            "DATA_RESCREEN_QUEUE": f"rescreens-{uuid.uuid4().hex[:8]}",
            "CONTENT_SAFETY_ENDPOINT": safety.endpoint,
            "CONTENT_SAFETY_KEY": safety.knobs.key,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        yield azurite, settings, safety


def with_store(azurite, settings, action):
    async def run():
        storage = StorageConnection(connection_string=azurite.connection_string)
        async with TableVerdictStore.open(storage, settings["VERDICTS_TABLE"]) as store:
            return await action(store)

    return asyncio.run(run())


def messages(azurite, queue: str) -> list[dict]:
    client = QueueClient.from_connection_string(
        azurite.connection_string, queue, message_decode_policy=TextBase64DecodePolicy()
    )
    return [json.loads(m.content) for m in client.receive_messages(max_messages=32)]


def upload(azurite, settings, data: bytes) -> str:
    name = f"{uuid.uuid4().hex}.jsonl"
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    service.get_blob_client(settings["TRAINING_CONTAINER"], name).upload_blob(data)
    return name


def rescreen(message: dict) -> None:
    body = json.dumps(message).encode()
    asyncio.run(function_app.rescreen_training_file(message=func.QueueMessage(id="r", body=body)))


def test_reevaluate_stale_queues_only_what_an_older_policy_decided(ops, capsys):
    azurite, settings, _ = ops

    async def seed(store):
        for sha, policy in (("a" * 64, OLD_POLICY), ("b" * 64, POLICY_VERSION)):
            row = {"PartitionKey": DATA_PARTITION, "RowKey": sha, "Verdict": "passed",
                   "PolicyVersion": policy, "BlobName": f"{sha[:4]}.jsonl"}  # fmt: skip
            await store.put_verdict(StoredVerdict.from_entity(row))
        for model, policy in (("ft-old", OLD_POLICY), ("ft-new", POLICY_VERSION)):
            row = {"PartitionKey": MODEL_PARTITION, "RowKey": row_key(model),
                   "FineTunedModel": model, "JobId": "ftjob-1", "Verdict": "deployable",
                   "PolicyVersion": policy}  # fmt: skip
            await store.put_verdict(StoredVerdict.from_entity(row))

    with_store(azurite, settings, seed)
    assert cli.main(["reevaluate", "--stale", "--dry-run"]) == 0
    assert "would queue 1 training files and 1 models" in capsys.readouterr().out
    assert messages(azurite, settings["MODEL_EVALUATIONS_QUEUE"]) == []
    assert cli.main(["reevaluate", "--stale"]) == 0
    assert messages(azurite, settings["DATA_RESCREEN_QUEUE"]) == [
        {"blob": "aaaa.jsonl", "force": False}
    ]
    assert messages(azurite, settings["MODEL_EVALUATIONS_QUEUE"]) == [
        {"fine_tuned_model": "ft-old", "job_id": "ftjob-1"}
    ]


def test_a_stale_data_verdict_is_screened_again_not_reused(ops):
    azurite, settings, safety = ops
    data = jsonl([chat(f"q{i} {uuid.uuid4().hex}", "a") for i in range(10)])
    name = upload(azurite, settings, data)
    rescreen({"blob": name})
    first = safety.stats.requests
    assert first > 0

    async def age(store):
        sha = hashlib.sha256(data).hexdigest()
        entity = await store.get_data_verdict(sha)
        await store.put_verdict(dataclasses.replace(entity, policy_version=OLD_POLICY))
        return sha

    sha = with_store(azurite, settings, age)
    rescreen({"blob": name})  # the same blob and ETag: only the policy changed
    assert safety.stats.requests > first
    stored = with_store(azurite, settings, lambda store: store.get_data_verdict(sha))
    assert stored.policy_version == POLICY_VERSION


def test_reevaluating_one_file_forces_a_new_screening(ops):
    azurite, settings, safety = ops
    name = upload(azurite, settings, jsonl([chat(f"q{i} {uuid.uuid4().hex}") for i in range(10)]))
    rescreen({"blob": name})
    before = safety.stats.requests
    rescreen({"blob": name})  # redelivery: nothing to do
    assert safety.stats.requests == before
    assert cli.main(["reevaluate", "--blob", name]) == 0
    (message,) = messages(azurite, settings["DATA_RESCREEN_QUEUE"])
    assert message == {"blob": name, "force": True}
    rescreen(message)
    assert safety.stats.requests > before


def test_replay_poison_queues_what_failed_for_good_once(ops, capsys):
    azurite, settings, _ = ops
    name = upload(azurite, settings, jsonl([chat() for _ in range(10)]))
    poisoned_blob = {"FunctionId": "Host.Functions.screen_training_file",
                     "ContainerName": settings["TRAINING_CONTAINER"], "BlobName": name}  # fmt: skip
    asyncio.run(function_app.record_poisoned_training_file(
        message=func.QueueMessage(id="p1", body=json.dumps(poisoned_blob).encode())))  # fmt: skip
    poisoned_model = {"fine_tuned_model": "ft-poisoned"}
    asyncio.run(function_app.record_poisoned_evaluation(
        message=func.QueueMessage(id="p2", body=json.dumps(poisoned_model).encode())))  # fmt: skip
    assert cli.main(["replay-poison"]) == 0
    assert "replayed 1 training files and 1 models" in capsys.readouterr().out
    assert messages(azurite, settings["DATA_RESCREEN_QUEUE"]) == [{"blob": name, "force": False}]
    assert messages(azurite, settings["MODEL_EVALUATIONS_QUEUE"]) == [
        {"fine_tuned_model": "ft-poisoned"}
    ]
    assert cli.main(["replay-poison"]) == 0  # nothing twice
    assert "replayed 0 training files and 0 models" in capsys.readouterr().out


def test_a_poisoned_rescreen_records_error_and_is_kept_for_replay(ops, caplog):
    azurite, settings, _ = ops
    data = jsonl([chat(f"q {uuid.uuid4().hex}", "a") for _ in range(10)])
    name = upload(azurite, settings, data)
    body = json.dumps({"blob": name, "force": True}).encode()
    asyncio.run(function_app.record_poisoned_rescreen(message=func.QueueMessage(id="p", body=body)))
    sha256 = hashlib.sha256(data).hexdigest()
    verdict = with_store(azurite, settings, lambda store: store.get_data_verdict(sha256))
    assert verdict.verdict == "error"
    poisoned = with_store(azurite, settings, lambda store: store.list_named("poisoned", 100))
    assert [(entry["Kind"], entry["Key"]) for entry in poisoned] == [("data", name)]
    # A file deleted since it was queued leaves nothing to record, and does not fail.
    gone = json.dumps({"blob": "deleted.jsonl"}).encode()
    asyncio.run(function_app.record_poisoned_rescreen(message=func.QueueMessage(id="g", body=gone)))
    assert "deleted training file" in caplog.text
    malformed = func.QueueMessage(id="m", body=b"not json")
    asyncio.run(function_app.record_poisoned_rescreen(message=malformed))
    assert "re-screen message m is malformed" in caplog.text
    poisoned = with_store(azurite, settings, lambda store: store.list_named("poisoned", 100))
    assert len(poisoned) == 1


def test_a_rescreen_message_reads_back_and_anything_else_is_refused():
    assert read_rescreen_message(rescreen_message("a/b.jsonl", force=True).encode()) == (
        "a/b.jsonl",
        True,
    )
    assert read_rescreen_message(b'{"blob": "x"}') == ("x", False)
    for body in (b"not json", b"[1]", b'{"name": "x"}', b"null", b"\xff"):
        with pytest.raises(ValueError, match="not a re-screen message"):
            read_rescreen_message(body)


def test_poisoned_work_reads_back_and_keeps_the_row_key_it_always_had():
    """Work recorded before the type existed must still be found and forgotten by
    replay: the row key stays the SHA-256 of ``kind:key``."""
    work = PoisonedWork("data", "folder/train.jsonl")
    entity = work.to_entity()
    assert entity["RowKey"] == hashlib.sha256(b"data:folder/train.jsonl").hexdigest()
    assert (entity["PartitionKey"], entity["Kind"], entity["Key"]) == (
        "poisoned",
        "data",
        "folder/train.jsonl",
    )
    assert PoisonedWork.from_entity(entity) == work
    assert PoisonedWork("model", "folder/train.jsonl").row_key != work.row_key
