"""The stored verdict: rows written by today's ftgate load, and write back unchanged.

The Table already holds verdicts; a typed record that lost a column, renamed one
or added one on the way through would change what the gate and the portal read.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from azure.data.tables import TableServiceClient

from conftest import clean_file
from shared.analyzers.local import LocalAnalyzer
from shared.lineage import DataFile, TrainingData
from shared.policy import POLICY_VERSION
from shared.screening import screen
from shared.settings import StorageConnection
from shared.storedverdict import StoredVerdict, is_sha256, row_key, stands
from shared.verdicts import TableVerdictStore

SHA = "ab" * 32
MODEL = "gpt-4o-mini.ft-stored"
AT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)

# A data row exactly as ftgate 2026.11 writes it (shared/verdicts.py before the typed record).
DATA_ROW = {
    "PartitionKey": "data",
    "RowKey": SHA,
    "Verdict": "failed",
    "HarmTypes": "violence",
    "Message": "The training data failed: violence.",
    "PolicyVersion": POLICY_VERSION,
    "Analyzer": "contentsafety",
    "Format": "chat",
    "Bytes": 4096,
    "Lines": 12,
    "Examples": 12,
    "Texts": 24,
    "UniqueTexts": 23,
    "Images": 0,
    "ImagesUnscreened": 0,
    "FindingsTotal": 1,
    "ErrorsTotal": 0,
    "ContentSafetyRequests": 7,  # additive: rows before it was added lack it
    "EvaluatedAt": AT,
    "DurationSeconds": 1.25,
    "BlobName": "uploads/train.jsonl",
    "BlobETag": '"0x8DC"',
    "Findings": '[{"line":5,"path":"messages[2].content","category":"Violence","severity":6}]',
    "Errors": "[]",
    "FailedHate": 0,
    "FailedSelfHarm": 0,
    "FailedSexual": 0,
    "FailedViolence": 1,
}

# A model row as today's evaluation writes it, lineage columns included.
MODEL_ROW = {
    "PartitionKey": "model",
    "RowKey": row_key(MODEL),
    "FineTunedModel": MODEL,
    "Deployment": "ftgate-eval-1",
    "JobId": "ftjob-1",
    "BaseModel": "gpt-4o-mini",
    "EvaluatedAt": AT,
    "Attacker": "scripted",
    "RaiPolicy": "Microsoft.DefaultV2",
    "Verdict": "deployable",
    "Categories": "",
    "Message": "The model is deployable.",
    "PolicyVersion": POLICY_VERSION,
    "Seed": 42,
    "Conversations": 90,
    "ModelCalls": 180,
    "PromptTokens": 1000,
    "CompletionTokens": 2000,
    "PerCategory": '{"Violence":{"outcome":"acceptable"}}',
    "Attacks": '{"per_strategy":{}}',
    "DurationSeconds": 12.5,
    "TrainingDataPassed": True,
    "TrainingFile": "file-1",
    "TrainingSha256": SHA,
    "TrainingDataVerdict": "passed",
}


def _through_the_table(azurite, row: dict) -> tuple[StoredVerdict, dict]:
    """Write ``row`` raw, load it through the store, write it back, read it raw again."""
    table = f"t{uuid.uuid4().hex[:12]}"
    service = TableServiceClient.from_connection_string(azurite.connection_string)
    raw = service.create_table(table)
    raw.upsert_entity(row)

    async def load_and_store() -> StoredVerdict:
        storage = StorageConnection(connection_string=azurite.connection_string)
        async with TableVerdictStore.open(storage, table) as store:
            if row["PartitionKey"] == "data":
                loaded = await store.get_data_verdict(row["RowKey"])
            else:
                loaded = await store.get_model_verdict(row["FineTunedModel"])
            assert loaded is not None
            raw.delete_entity(row["PartitionKey"], row["RowKey"])
            await store.put_verdict(loaded)
            return loaded

    loaded = asyncio.run(load_and_store())
    return loaded, dict(raw.get_entity(row["PartitionKey"], row["RowKey"]))


@pytest.mark.parametrize(
    "row",
    [DATA_ROW, {k: v for k, v in DATA_ROW.items() if k != "ContentSafetyRequests"}],
    ids=["today", "before-ContentSafetyRequests"],
)
def test_a_data_row_in_todays_format_loads_and_writes_back_unchanged(azurite, row):
    loaded, written = _through_the_table(azurite, row)
    assert (loaded.kind, loaded.key, loaded.verdict) == ("data", SHA, "failed")
    assert (loaded.blob_name, loaded.policy_version, loaded.evaluated_at) == (
        "uploads/train.jsonl",
        POLICY_VERSION,
        AT,
    )
    assert loaded.harm_types == {"violence"}
    assert loaded.to_entity() == row
    assert written == row


def test_a_model_row_in_todays_format_loads_and_writes_back_unchanged(azurite):
    loaded, written = _through_the_table(azurite, MODEL_ROW)
    assert (loaded.kind, loaded.fine_tuned_model, loaded.job_id) == ("model", MODEL, "ftjob-1")
    assert loaded.per_category == {"Violence": {"outcome": "acceptable"}}
    assert loaded.to_entity() == written == MODEL_ROW


def test_a_new_data_verdict_has_todays_columns_and_no_others():
    verdict = asyncio.run(screen([clean_file()], LocalAnalyzer()))
    entity = StoredVerdict.of_data(verdict, blob_name="b.jsonl", etag="e").to_entity()
    assert sorted(entity) == sorted(DATA_ROW)
    assert (entity["RowKey"], entity["Verdict"], entity["BlobName"]) == (
        verdict.sha256,
        "passed",
        "b.jsonl",
    )
    imported = StoredVerdict.of_data(verdict, file_id="file-1").to_entity()
    assert (imported["FileId"], imported["BlobName"], imported["BlobETag"]) == ("file-1", "", "")


def test_error_verdicts_have_todays_columns_and_never_stand():
    data = StoredVerdict.data_error(SHA, "the analyzer failed", blob_name="b", etag="e", size=9)
    assert sorted(data.to_entity()) == sorted(
        ["PartitionKey", "RowKey", "Verdict", "Message", "PolicyVersion", "EvaluatedAt",
         "BlobName", "BlobETag", "Bytes"]
    )  # fmt: skip
    model = StoredVerdict.model_error(MODEL, "it timed out", job_id="ftjob-1")
    lineage = TrainingData((DataFile("Training", "file-1", SHA, "passed"),))
    entity = model.with_lineage(lineage).to_entity()
    assert sorted(entity) == sorted(
        ["PartitionKey", "RowKey", "FineTunedModel", "Deployment", "JobId", "BaseModel",
         "EvaluatedAt", "Verdict", "Message", "PolicyVersion", "TrainingDataPassed",
         "TrainingFile", "TrainingSha256", "TrainingDataVerdict"]
    )  # fmt: skip
    assert (entity["RowKey"], entity["Deployment"], entity["BaseModel"]) == (row_key(MODEL), "", "")
    assert [stands(v) for v in (data, model, None)] == [False, False, False]


def test_only_a_decided_verdict_under_the_policy_in_force_stands():
    current = StoredVerdict.from_entity(DATA_ROW)
    stale = StoredVerdict.from_entity({**DATA_ROW, "PolicyVersion": "2025.01.1"})
    unversioned = StoredVerdict.from_entity(
        {"PartitionKey": "data", "RowKey": SHA, "Verdict": "passed"}
    )
    assert stands(current)
    assert [(v.is_stale(), stands(v)) for v in (stale, unversioned)] == [(True, False)] * 2


def test_a_verdict_cannot_be_changed_behind_the_stores_back():
    verdict = StoredVerdict.from_entity(DATA_ROW)
    with pytest.raises(TypeError):
        verdict.details["Bytes"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        verdict.verdict = "passed"  # type: ignore[misc]


def test_other_partitions_hold_no_verdicts():
    with pytest.raises(ValueError, match="partition 'poisoned' holds no verdicts"):
        StoredVerdict.from_entity({"PartitionKey": "poisoned", "RowKey": SHA, "Verdict": "x"})


def test_a_data_verdict_is_looked_up_by_a_sha256_in_either_case():
    assert is_sha256(SHA)
    assert is_sha256(SHA.upper())
    assert not any(is_sha256(key) for key in (SHA[:-1], SHA + "0", "g" * 64, f" {SHA}", ""))
