"""Doing work again: stale verdicts after a policy change, and work poisoned by an outage.

A verdict decided under an older ``POLICY_VERSION`` is stale (the gate answers it
as pending). :func:`enqueue_stale` queues every stale one again — training files
by blob name on the re-screen queue, models by fine-tuned model on the
evaluation queue — so a policy change rolls out without anyone hunting for what
to redo. :func:`replay_poisoned` does the same for work that failed on every
retry (recorded by the poison handlers) once the outage is over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from shared.evaluations import EvaluationRequest
from shared.queues import JsonQueue
from shared.storedverdict import DATA_PARTITION, MODEL_PARTITION, StoredVerdict
from shared.verdicts import TableVerdictStore

SCAN_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Requeued:
    data: int = 0
    models: int = 0


def rescreen_message(blob_name: str, *, force: bool = False) -> str:
    return json.dumps({"blob": blob_name, "force": force})


def read_rescreen_message(body: bytes) -> tuple[str, bool]:
    """The blob name and force flag of a :func:`rescreen_message`; ValueError if it is
    not one."""
    try:
        request = json.loads(body)
        return str(request["blob"]), request.get("force") is True
    except (ValueError, KeyError, TypeError) as exc:  # ValueError: not JSON, not UTF-8
        raise ValueError("not a re-screen message") from exc


async def enqueue_stale(
    store: TableVerdictStore, models: JsonQueue, rescreens: JsonQueue, *, dry_run: bool = False
) -> Requeued:
    blobs = [
        v.blob_name
        for v in await store.list_verdicts(DATA_PARTITION, SCAN_LIMIT)
        if v.is_stale() and v.blob_name  # content screened offline has no blob to screen
    ]
    stale_models = [
        v
        for v in await store.list_verdicts(MODEL_PARTITION, SCAN_LIMIT)
        if v.is_stale() and v.fine_tuned_model
    ]
    if not dry_run:
        for blob_name in blobs:
            await rescreens.put(rescreen_message(blob_name))
        for verdict in stale_models:
            await models.put(_model_request(verdict).as_message())
    return Requeued(len(blobs), len(stale_models))


async def replay_poisoned(
    store: TableVerdictStore, models: JsonQueue, rescreens: JsonQueue
) -> Requeued:
    replayed = {"data": 0, "model": 0}
    for work in await store.list_poisoned(SCAN_LIMIT):
        if work.kind == "data":
            await rescreens.put(rescreen_message(work.key))
        else:
            await models.put(EvaluationRequest(work.key).as_message())
        replayed[work.kind] += 1
        await store.forget_poisoned(work)
    return Requeued(replayed["data"], replayed["model"])


def _model_request(verdict: StoredVerdict) -> EvaluationRequest:
    return EvaluationRequest(
        str(verdict.fine_tuned_model),
        job_id=verdict.job_id or None,
        base_model=verdict.base_model or None,
    )
