"""The function app as the host sees it: indexing, and invocations with real binding objects."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
import uuid
from types import SimpleNamespace

import azure.functions as func
import azurefunctions.extensions.bindings.blob as blob_binding
import pytest
from azure.storage.blob import BlobServiceClient
from azurefunctions.extensions.base import Datum
from azurefunctions.extensions.bindings.blob.blobClientConverter import BlobClientConverter
from emulators.arm import ArmEmulator
from emulators.chat import ChatEmulator
from emulators.contentsafety import ContentSafetyEmulator

import function_app
from conftest import app_functions, chat, jsonl, use_arm
from shared.settings import STORAGE_CONNECTION, StorageConnection
from shared.uploads import ScreeningUnavailable
from shared.verdicts import TableVerdictStore

CANARY = "CANARY-5e11a0-FUNCTION"
THREAT = "I will kill you and your whole family."
FUNCTIONS = app_functions()


def bindings_of(name: str) -> list[dict]:
    return json.loads(FUNCTIONS[name].get_function_json())["bindings"]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_indexes_as_the_host_would(name):
    """One trigger; binding names and parameter names match one to one."""
    function = FUNCTIONS[name].get_user_function()
    bindings = bindings_of(name)
    parameters = set(inspect.signature(function).parameters) - {"context"}
    assert {b["name"] for b in bindings if b["name"] != "$return"} == parameters
    assert sum(b["type"].endswith("Trigger") for b in bindings) == 1
    assert bindings[0]["type"].endswith("Trigger")
    assert inspect.iscoroutinefunction(function)


def test_the_blob_trigger_uses_event_grid_and_the_sdk_binding():
    (binding,) = bindings_of("screen_training_file")
    assert binding == {
        "direction": "IN",
        "type": "blobTrigger",
        "name": "blob",
        "path": "%TRAINING_CONTAINER%/{name}",
        "connection": STORAGE_CONNECTION,
        "source": "EventGrid",
    }
    function = FUNCTIONS["screen_training_file"].get_user_function()
    annotation = inspect.signature(function).parameters["blob"].annotation
    assert annotation is blob_binding.BlobClient
    assert BlobClientConverter.check_input_type_annotation(annotation)


def test_the_poison_handler_listens_on_the_blob_trigger_poison_queue():
    (binding,) = bindings_of("record_poisoned_training_file")
    assert binding["type"] == "queueTrigger"
    assert binding["queueName"] == "webjobs-blobtrigger-poison"
    assert binding["connection"] == "AzureWebJobsStorage"


# --------------------------------------------------------------------------- invocations


@pytest.fixture
def app_environment(azurite, monkeypatch):
    emulator = ContentSafetyEmulator()
    with emulator:
        container = f"training-{uuid.uuid4().hex[:8]}"
        table = f"verdicts{uuid.uuid4().hex[:8]}"
        BlobServiceClient.from_connection_string(azurite.connection_string).create_container(
            container
        )
        for name, value in {
            STORAGE_CONNECTION: azurite.connection_string,
            "TRAINING_CONTAINER": container,
            "VERDICTS_TABLE": table,
            "CONTENT_SAFETY_ENDPOINT": emulator.endpoint,
            "CONTENT_SAFETY_KEY": emulator.knobs.key,
        }.items():
            monkeypatch.setenv(name, value)
        yield SimpleNamespace(container=container, table=table, emulator=emulator, azurite=azurite)


def sdk_blob_client(container: str, name: str):
    """The BlobClient exactly as the Python worker builds it from the host's binding data."""
    data = SimpleNamespace(
        version="1.0",
        source="AzureStorageBlobs",
        content_type="application/json",
        content=json.dumps(
            {"Connection": STORAGE_CONNECTION, "ContainerName": container, "BlobName": name}
        ),
    )
    return BlobClientConverter.decode(
        Datum(data, "model_binding_data"), trigger_metadata={}, pytype=blob_binding.BlobClient
    )


def from_store(env, read):
    """``read(store)`` against the environment's verdict table."""

    async def get():
        storage = StorageConnection(connection_string=env.azurite.connection_string)
        async with TableVerdictStore.open(storage, env.table) as store:
            return await read(store)

    return asyncio.run(get())


def stored_verdict(env, sha256: str) -> dict | None:
    """The data verdict's entity as stored, or None."""
    verdict = from_store(env, lambda store: store.get_data_verdict(sha256))
    return verdict.to_entity() if verdict else None


def upload(env, data: bytes) -> str:
    name = f"uploads/{uuid.uuid4().hex}.jsonl"
    service = BlobServiceClient.from_connection_string(env.azurite.connection_string)
    service.get_blob_client(env.container, name).upload_blob(data)
    return name


def harmful_file() -> bytes:
    rows = [chat(f"{CANARY} q{i}", f"{CANARY} a{i}") for i in range(12)]
    rows[2] = chat(assistant=f"{CANARY} {THREAT}")
    return jsonl(rows)


def test_an_upload_is_screened_and_its_verdict_stored(app_environment, caplog):
    caplog.set_level(logging.DEBUG)
    data = harmful_file()
    name = upload(app_environment, data)
    client = sdk_blob_client(app_environment.container, name)
    asyncio.run(function_app.screen_training_file(blob=client))
    sha256 = hashlib.sha256(data).hexdigest()
    verdict = stored_verdict(app_environment, sha256)
    assert verdict["Verdict"] == "failed"
    assert verdict["BlobName"] == name
    assert client.get_blob_tags()["rai-verdict"] == "failed"
    assert "verdict failed" in caplog.text
    assert CANARY not in caplog.text
    assert CANARY not in json.dumps(verdict, default=str)


def test_an_outage_fails_the_invocation_and_the_poison_message_records_error(
    app_environment, caplog
):
    caplog.set_level(logging.DEBUG)
    data = harmful_file()
    name = upload(app_environment, data)
    app_environment.emulator.knobs.fail_every = 1
    with pytest.raises(ScreeningUnavailable) as raised:
        asyncio.run(
            function_app.screen_training_file(blob=sdk_blob_client(app_environment.container, name))
        )
    assert CANARY not in str(raised.value)
    poison = {
        "Type": "blob",
        "FunctionId": "Host.Functions.screen_training_file",
        "BlobType": "BlockBlob",
        "ContainerName": app_environment.container,
        "BlobName": name,
        "ETag": '"0x1"',
    }
    message = func.QueueMessage(id="1", body=json.dumps(poison).encode())
    asyncio.run(function_app.record_poisoned_training_file(message=message))
    sha256 = hashlib.sha256(data).hexdigest()
    assert stored_verdict(app_environment, sha256)["Verdict"] == "error"
    assert CANARY not in caplog.text


def test_a_poison_message_for_another_container_touches_nothing(app_environment, caplog):
    service = BlobServiceClient.from_connection_string(app_environment.azurite.connection_string)
    foreign = service.create_container(f"private-{uuid.uuid4().hex[:8]}")
    data = harmful_file()
    blob = foreign.get_blob_client("secret.jsonl")
    blob.upload_blob(data)
    poison = {"Type": "blob", "FunctionId": "Host.Functions.screen_training_file",
              "BlobType": "BlockBlob", "ContainerName": foreign.container_name,
              "BlobName": "secret.jsonl", "ETag": '"0x1"'}  # fmt: skip
    message = func.QueueMessage(id="9", body=json.dumps(poison).encode())
    asyncio.run(function_app.record_poisoned_training_file(message=message))
    assert "another container" in caplog.text
    assert stored_verdict(app_environment, hashlib.sha256(data).hexdigest()) is None
    assert blob.get_blob_tags() == {}
    poisoned = from_store(app_environment, lambda store: store.list_named("poisoned", 100))
    assert poisoned == []


def test_a_malformed_poison_message_is_dropped_not_retried_forever(app_environment, caplog):
    message = func.QueueMessage(id="7", body=b"not json")
    asyncio.run(function_app.record_poisoned_training_file(message=message))
    assert "not a blob-trigger poison message" in caplog.text


# --------------------------------------------------------------------------- model evaluation


@pytest.fixture
def model_environment(app_environment, monkeypatch, tmp_path):
    with ChatEmulator() as chat, ArmEmulator(chat) as arm:
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", chat.endpoint)
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", "emulator")
        monkeypatch.setenv("MODEL_EVALUATIONS_QUEUE", "model-evaluations")
        use_arm(arm, monkeypatch, tmp_path)
        app_environment.chat, app_environment.arm = chat, arm
        yield app_environment


def stored_model_verdict(env, model: str) -> dict | None:
    """The model verdict's entity as stored, or None."""
    verdict = from_store(env, lambda store: store.get_model_verdict(model))
    return verdict.to_entity() if verdict else None


def queue_message(body: dict | bytes, id_: str = "m1") -> func.QueueMessage:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return func.QueueMessage(id=id_, body=raw)


def test_the_model_queue_trigger_is_bound_to_the_setting():
    (binding,) = bindings_of("evaluate_model")
    assert binding["queueName"] == "%MODEL_EVALUATIONS_QUEUE%"
    (poison,) = bindings_of("record_poisoned_evaluation")
    assert poison["queueName"] == "%MODEL_EVALUATIONS_QUEUE%-poison"
    (rescreen_poison,) = bindings_of("record_poisoned_rescreen")
    assert rescreen_poison["queueName"] == "%DATA_RESCREEN_QUEUE%-poison"


def test_a_model_evaluation_message_stores_one_verdict(model_environment, caplog):
    caplog.set_level(logging.DEBUG)
    model_environment.arm.add_deployment("unsafe", "gpt-4o-mini.ft-unsafe1")
    message = {"fine_tuned_model": "gpt-4o-mini.ft-unsafe1", "deployment": "unsafe",
               "job_id": "ftjob-1", "base_model": "gpt-4o-mini"}  # fmt: skip
    asyncio.run(function_app.evaluate_model(message=queue_message(message)))
    verdict = stored_model_verdict(model_environment, "gpt-4o-mini.ft-unsafe1")
    assert verdict["Verdict"] == "not_deployable"
    assert verdict["Categories"] == "Hate and Fairness,Self Harm,Sexual,Violence"
    assert verdict["JobId"] == "ftjob-1"
    requests = model_environment.chat.stats.requests
    asyncio.run(function_app.evaluate_model(message=queue_message(message, "m2")))
    assert model_environment.chat.stats.requests == requests  # redelivery: no work twice
    stored = json.dumps(verdict, default=str)
    assert "kill" not in stored.lower()  # no model output
    assert "Give me" not in stored
    assert "Get " not in stored


def test_an_attacker_deployment_writes_crescendo_turns_and_the_verdict_says_so(
    model_environment, monkeypatch
):
    model_environment.arm.add_deployment("safe", "gpt-4o-mini.ft-calm")
    message = {"fine_tuned_model": "gpt-4o-mini.ft-calm", "deployment": "safe"}
    asyncio.run(function_app.evaluate_model(message=queue_message(message)))
    scripted = stored_model_verdict(model_environment, "gpt-4o-mini.ft-calm")
    assert scripted["Attacker"] == "scripted"
    assert "crescendo" not in json.loads(scripted["Attacks"])["per_strategy"]

    monkeypatch.setenv("EVALUATION_ATTACKER_DEPLOYMENT", "attacker")
    before = model_environment.chat.stats.requests
    asyncio.run(function_app.evaluate_model(message=queue_message({**message, "force": True})))
    verdict = stored_model_verdict(model_environment, "gpt-4o-mini.ft-calm")
    assert verdict["Verdict"] == "deployable"
    assert verdict["Attacker"] == "deployment attacker"
    crescendo = json.loads(verdict["Attacks"])["per_strategy"]["crescendo"]
    assert crescendo["trials"] > 0
    # the attacker's calls went to its own deployment, not counted as the model's
    assert model_environment.chat.stats.requests - before > verdict["ModelCalls"]
    stored = json.dumps(verdict, default=str)
    assert "crescendo method" not in stored  # no attacker prompt
    assert "Translate the test objective" not in stored
    assert "Step 1:" not in stored  # nor anything it wrote


def test_an_attacker_deployment_that_does_not_answer_is_an_error_before_any_conversation(
    model_environment, monkeypatch
):
    monkeypatch.setenv("EVALUATION_ATTACKER_DEPLOYMENT", "ftgate-eval-gone")  # 404 here
    message = {"fine_tuned_model": "gpt-4o-mini.ft-calm"}  # a temporary deployment: none made
    asyncio.run(function_app.evaluate_model(message=queue_message(message)))
    verdict = stored_model_verdict(model_environment, "gpt-4o-mini.ft-calm")
    assert verdict["Verdict"] == "error"
    assert "the attacker deployment ftgate-eval-gone" in verdict["Message"]
    # the check was answered 404 before it reached a model, and no conversation was held
    assert model_environment.chat.stats.requests == 0
    assert model_environment.arm.stats.created == []


def test_a_malformed_model_message_is_an_error_not_a_retry(model_environment, caplog):
    asyncio.run(function_app.evaluate_model(message=queue_message(b"{not json")))
    assert "malformed" in caplog.text
    bad = {"fine_tuned_model": "ft-bad", "deployment": 42}
    asyncio.run(function_app.evaluate_model(message=queue_message(bad)))
    assert stored_model_verdict(model_environment, "ft-bad")["Verdict"] == "error"


def test_a_malformed_message_never_overwrites_a_standing_verdict(model_environment):
    model_environment.arm.add_deployment("safe", "gpt-4o-mini.ft-good")
    good = {"fine_tuned_model": "gpt-4o-mini.ft-good", "deployment": "safe"}
    asyncio.run(function_app.evaluate_model(message=queue_message(good)))
    assert stored_model_verdict(model_environment, "gpt-4o-mini.ft-good")["Verdict"] == "deployable"
    bad = {"fine_tuned_model": "gpt-4o-mini.ft-good", "deployment": 42}
    asyncio.run(function_app.evaluate_model(message=queue_message(bad, "m2")))
    assert stored_model_verdict(model_environment, "gpt-4o-mini.ft-good")["Verdict"] == "deployable"


def test_a_message_cannot_borrow_another_models_deployment(model_environment):
    model_environment.arm.add_deployment("safe", "gpt-4o-mini.ft-other")
    borrowed = {"fine_tuned_model": "gpt-4o-mini.ft-unsafe", "deployment": "safe"}
    asyncio.run(function_app.evaluate_model(message=queue_message(borrowed)))
    verdict = stored_model_verdict(model_environment, "gpt-4o-mini.ft-unsafe")
    assert verdict["Verdict"] == "error"
    assert "does not serve the fine-tuned model" in verdict["Message"]
    assert model_environment.chat.stats.requests == 0


def test_without_the_account_nothing_is_evaluated(model_environment, monkeypatch):
    monkeypatch.delenv("AZURE_OPENAI_ACCOUNT")
    message = {"fine_tuned_model": "gpt-4o-mini.ft-x", "deployment": "safe"}
    asyncio.run(function_app.evaluate_model(message=queue_message(message)))
    verdict = stored_model_verdict(model_environment, "gpt-4o-mini.ft-x")
    assert verdict["Verdict"] == "error"
    assert "not configured" in verdict["Message"]


def test_a_poisoned_model_message_records_error(model_environment):
    message = {"fine_tuned_model": "ft-poisoned", "deployment": "safe"}
    asyncio.run(function_app.record_poisoned_evaluation(message=queue_message(message)))
    assert stored_model_verdict(model_environment, "ft-poisoned")["Verdict"] == "error"


def test_the_gate_is_a_get_route_behind_the_function_key():
    trigger, output = bindings_of("gate")
    assert trigger["type"] == "httpTrigger"
    assert trigger["route"] == "gate/{kind}/{key}"
    assert trigger["methods"] == ["GET"]
    assert trigger["authLevel"] == "FUNCTION"
    assert output == {"direction": "OUT", "type": "http", "name": "$return"}
