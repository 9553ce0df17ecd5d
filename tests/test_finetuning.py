"""Training-complete events over real HTTP and Azurite: the signed webhook and the poller."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from azure.core.exceptions import ServiceRequestError
from azure.functions.timer import TimerRequest
from azure.storage.queue import QueueClient, TextBase64DecodePolicy
from emulators.chat import ChatEmulator
from emulators.functions_host import FunctionsHost

import function_app
from conftest import app_functions
from shared.finetuning import PENDING_PARTITION, REQUEUE_AFTER
from shared.lineage import training_data
from shared.queues import JsonQueue
from shared.settings import STORAGE_CONNECTION, StorageConnection
from shared.storedverdict import MODEL_PARTITION, StoredVerdict, row_key
from shared.verdicts import TableVerdictStore

SECRET = "whsec_" + base64.b64encode(b"a-test-signing-secret-32-bytes!!").decode()


@pytest.fixture
def events(azurite, monkeypatch):
    with ChatEmulator() as chat, FunctionsHost(app_functions()) as host:
        names = {
            STORAGE_CONNECTION: azurite.connection_string,
            "VERDICTS_TABLE": f"verdicts{uuid.uuid4().hex[:8]}",
            "MODEL_EVALUATIONS_QUEUE": f"evals-{uuid.uuid4().hex[:8]}",
            "AZURE_OPENAI_ENDPOINT": chat.endpoint,
            "AZURE_OPENAI_API_KEY": "emulator",
            "FINE_TUNING_WEBHOOK_SECRET": SECRET,
        }
        for name, value in names.items():
            monkeypatch.setenv(name, value)
        chat.add_job("ftjob-1", "gpt-4o-mini.ft-one")
        host.chat, host.azurite, host.names = chat, azurite, names
        yield host


def signed(body: dict, *, webhook_id: str | None = None, age: int = 0, secret: str = SECRET):
    payload = json.dumps(body).encode()
    webhook_id = webhook_id or f"wh_{uuid.uuid4().hex}"
    timestamp = str(int(time.time()) - age)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = base64.b64encode(
        hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + payload, hashlib.sha256).digest()
    ).decode()
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{signature}",
        "content-type": "application/json",
    }
    return payload, headers


def succeeded(job_id: str = "ftjob-1") -> dict:
    return {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "created_at": int(time.time()),
            "type": "fine_tuning.job.succeeded", "data": {"id": job_id}}  # fmt: skip


def post(host, payload: bytes, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{host.endpoint}/api/webhooks/fine-tuning", data=payload, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return exc.code, json.loads(body) if exc.code < 500 else {}


def queued(host) -> list[dict]:
    client = QueueClient.from_connection_string(
        host.azurite.connection_string,
        host.names["MODEL_EVALUATIONS_QUEUE"],
        message_decode_policy=TextBase64DecodePolicy(),
    )
    try:
        return [json.loads(m.content) for m in client.peek_messages(max_messages=32)]
    except Exception:  # the queue does not exist: nothing was ever queued
        return []


def test_a_signed_success_event_enqueues_exactly_one_evaluation(events):
    payload, headers = signed(succeeded())
    assert post(events, payload, headers) == (202, {"status": "queued"})
    assert queued(events) == [
        {"fine_tuned_model": "gpt-4o-mini.ft-one", "job_id": "ftjob-1",
         "base_model": "gpt-4o-mini-2024-07-18"}
    ]  # fmt: skip
    # the same delivery again, and a second delivery of the same event: nothing more
    assert post(events, payload, headers) == (200, {"status": "duplicate"})
    assert post(events, *signed(succeeded())) == (200, {"status": "known"})
    assert len(queued(events)) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p, h: (p, {**h, "webhook-signature": "v1,AAAA"}),
        lambda p, h: (p.replace(b"ftjob-1", b"ftjob-2"), h),
        lambda p, h: signed(json.loads(p), secret="whsec_" + base64.b64encode(b"x" * 32).decode()),
        lambda p, h: signed(json.loads(p), age=3600),
        lambda p, h: (p, {k: v for k, v in h.items() if k != "webhook-signature"}),
    ],
    ids=["bad-signature", "altered-body", "wrong-secret", "stale", "unsigned"],
)
def test_forged_or_stale_events_are_rejected_without_side_effects(events, tamper):
    payload, headers = tamper(*signed(succeeded()))
    status, _body = post(events, payload, headers)
    assert status == 400
    assert queued(events) == []
    assert events.chat.stats.requests == 0  # the job was never even read


def test_other_event_types_are_acknowledged_and_ignored(events):
    event = {**succeeded(), "type": "fine_tuning.job.failed"}
    assert post(events, *signed(event)) == (200, {"status": "ignored"})
    assert queued(events) == []


def poll() -> None:
    timer = TimerRequest(past_due=False)
    asyncio.run(function_app.poll_fine_tuning_jobs(timer=timer))


def test_the_poller_fills_a_gap_and_never_duplicates(events):
    chat = events.chat
    post(events, *signed(succeeded("ftjob-1")))  # queued by the webhook
    chat.add_job("ftjob-2", "gpt-4o-mini.ft-missed")  # its webhook never arrived
    chat.add_job("ftjob-3", None, status="running")
    chat.add_job("ftjob-4", "gpt-4o-mini.ft-decided")

    async def decided():
        storage = StorageConnection(connection_string=events.azurite.connection_string)
        async with TableVerdictStore.open(storage, events.names["VERDICTS_TABLE"]) as store:
            await store.put_verdict(StoredVerdict.from_entity(
                {"PartitionKey": MODEL_PARTITION, "RowKey": row_key("gpt-4o-mini.ft-decided"),
                 "Verdict": "deployable"}
            ))  # fmt: skip

    asyncio.run(decided())
    poll()
    poll()
    models = sorted(message["fine_tuned_model"] for message in queued(events))
    assert models == ["gpt-4o-mini.ft-missed", "gpt-4o-mini.ft-one"]

    async def trained_on():
        async with _store(events) as store:
            return (await training_data(store, "gpt-4o-mini.ft-decided")).files

    # a model decided before its lineage was known gets it too: the gate needs it
    assert [(f.role, f.file_id) for f in asyncio.run(trained_on())] == [("Training", "file-abc")]


def test_a_queue_failure_on_first_delivery_is_redelivered_not_stranded(events, monkeypatch):
    """The reproduction: the first send fails, the sender redelivers the same event."""
    real_put, failures = JsonQueue.put, [ServiceRequestError("injected: queue unreachable")]

    async def put_failing_once(queue, message):
        if failures:
            raise failures.pop()
        await real_put(queue, message)

    monkeypatch.setattr(JsonQueue, "put", put_failing_once)
    payload, headers = signed(succeeded())
    assert post(events, payload, headers) == (500, {})
    assert queued(events) == []
    # the same delivery again: not a "duplicate", and the model is queued now
    assert post(events, payload, headers) == (202, {"status": "queued"})
    assert [m["fine_tuned_model"] for m in queued(events)] == ["gpt-4o-mini.ft-one"]
    assert post(events, payload, headers) == (200, {"status": "duplicate"})


def _store(events) -> TableVerdictStore:
    storage = StorageConnection(connection_string=events.azurite.connection_string)
    return TableVerdictStore.open(storage, events.names["VERDICTS_TABLE"])


def _age_marker(events, model: str, age) -> None:
    async def age_it():
        async with _store(events) as store:
            marker = await store.get_named(PENDING_PARTITION, model)
            await store.put_named(PENDING_PARTITION, model, JobId=marker["JobId"],
                             BaseModel=marker["BaseModel"], At=marker["At"] - age)  # fmt: skip

    asyncio.run(age_it())


def _clear_queue(events) -> None:
    QueueClient.from_connection_string(
        events.azurite.connection_string, events.names["MODEL_EVALUATIONS_QUEUE"]
    ).clear_messages()


def test_the_poller_queues_again_an_evaluation_pending_too_long_without_a_verdict(events):
    post(events, *signed(succeeded()))
    _clear_queue(events)  # the message was lost after it was sent
    poll()
    assert queued(events) == []  # pending for less than the bound: still expected to finish
    _age_marker(events, "gpt-4o-mini.ft-one", REQUEUE_AFTER + REQUEUE_AFTER / 10)
    poll()
    assert queued(events) == [
        {"fine_tuned_model": "gpt-4o-mini.ft-one", "job_id": "ftjob-1",
         "base_model": "gpt-4o-mini-2024-07-18"}
    ]  # fmt: skip
    poll()  # the marker was refreshed by the re-queue: not queued a third time
    assert len(queued(events)) == 1


def test_a_stale_marker_with_a_verdict_is_not_queued_again(events):
    post(events, *signed(succeeded()))
    _clear_queue(events)
    _age_marker(events, "gpt-4o-mini.ft-one", REQUEUE_AFTER * 2)

    async def decided():
        async with _store(events) as store:
            await store.put_verdict(StoredVerdict.from_entity(
                {"PartitionKey": MODEL_PARTITION, "RowKey": row_key("gpt-4o-mini.ft-one"),
                 "Verdict": "not_deployable"}
            ))  # fmt: skip

    asyncio.run(decided())
    poll()
    assert queued(events) == []


def test_the_webhook_and_poller_bindings():
    functions = app_functions()
    (trigger, _) = json.loads(functions["fine_tuning_webhook"].get_function_json())["bindings"]
    assert trigger["route"] == "webhooks/fine-tuning"
    assert trigger["methods"] == ["POST"]
    (timer,) = json.loads(functions["poll_fine_tuning_jobs"].get_function_json())["bindings"]
    assert timer == {"direction": "IN", "type": "timerTrigger", "name": "timer",
                     "schedule": "%FINE_TUNING_POLL_SCHEDULE%"}  # fmt: skip
