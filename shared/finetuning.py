"""From "training complete" to a queued evaluation: the webhook and its fallback poller.

Azure OpenAI's fine-tuning webhooks follow Standard Webhooks: the openai SDK
checks the HMAC-SHA256 signature (``whsec_`` secret) and the timestamp's
tolerance; anything that fails is answered 400 with no side effect. Each
``webhook-id`` is accepted once, and each fine-tuned model is queued once
(a ``pending`` marker in the verdict table, written after the message is sent
and shared with the poller, which queues again a marker that went quiet). The
webhook only enqueues; the evaluation runs from the queue, so the webhook
answers well within its timeout.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

import openai

from shared.answers import Answer
from shared.evaluations import EvaluationRequest
from shared.lineage import remember_lineage
from shared.queues import JsonQueue
from shared.verdicts import VerdictStore

log = logging.getLogger(__name__)

WEBHOOK_PARTITION: Final = "webhook"
PENDING_PARTITION: Final = "pending"
SUCCEEDED: Final = "fine_tuning.job.succeeded"
# Longer than any queued evaluation takes to reach a verdict: the queue's five
# attempts, each under host.json's two-hour function timeout, end within ten
# hours, the last failure recording ``error``. A pending marker older than this,
# with no verdict, stands for a lost message.
REQUEUE_AFTER: Final = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    status: str
    fine_tuned_model: str | None
    base_model: str | None
    training_file: str | None = None
    validation_file: str | None = None


class FineTuningJobs(Protocol):
    async def get(self, job_id: str) -> Job: ...

    async def recent(self, limit: int) -> list[Job]: ...


class OpenAIJobs:
    """Fine-tuning jobs through the openai SDK (Azure OpenAI with Entra ID, or a key)."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self._client = client

    async def get(self, job_id: str) -> Job:
        return _job(await self._client.fine_tuning.jobs.retrieve(job_id))

    async def recent(self, limit: int) -> list[Job]:
        page = await self._client.fine_tuning.jobs.list(limit=limit)
        return [_job(job) for job in page.data]

    async def newest(self, limit: int) -> list[Job]:
        """Up to ``limit`` jobs, newest first, across pages of 100 (the API's page cap)."""
        found: list[Job] = []
        async for job in self._client.fine_tuning.jobs.list(limit=min(limit, 100)):
            found.append(_job(job))
            if len(found) >= limit:
                break
        return found

    async def cancel(self, job_id: str) -> None:
        await self._client.fine_tuning.jobs.cancel(job_id)


def _job(job: Any) -> Job:
    return Job(
        job.id,
        job.status,
        job.fine_tuned_model,
        job.model,
        job.training_file or None,
        job.validation_file or None,
    )


async def handle_webhook(
    payload: bytes,
    headers: Mapping[str, str],
    *,
    secret: str,
    jobs: FineTuningJobs,
    store: VerdictStore,
    queue: JsonQueue,
    tolerance: int = 300,
) -> Answer:
    """Verify, de-duplicate and enqueue; never evaluate inline.

    The ``webhook-id`` is marked only once the event is handled: a queue that
    fails answers 500, and the redelivery does the work rather than being
    answered "duplicate".
    """
    verifier = openai.OpenAI(api_key="unused", webhook_secret=secret)
    try:
        verifier.webhooks.verify_signature(payload, headers, secret=secret, tolerance=tolerance)
        event = json.loads(payload)
    except (openai.InvalidWebhookSignatureError, ValueError) as exc:
        log.warning("webhook rejected: %s", type(exc).__name__)
        return Answer(400, {"error": "invalid webhook signature or timestamp"})
    webhook_id = headers.get("webhook-id", "")
    if await store.get_named(WEBHOOK_PARTITION, webhook_id) is not None:
        return Answer(200, {"status": "duplicate"})
    if event.get("type") != SUCCEEDED:
        answer = Answer(200, {"status": "ignored"})
    else:
        job = await jobs.get(str(event.get("data", {}).get("id", "")))
        queued = await enqueue_job(job, store, queue)
        answer = Answer(202 if queued else 200, {"status": "queued" if queued else "known"})
    await store.put_named(WEBHOOK_PARTITION, webhook_id)
    return answer


async def poll_jobs(
    jobs: FineTuningJobs,
    store: VerdictStore,
    queue: JsonQueue,
    has_verdict: Callable[[str], Awaitable[bool]],
    limit: int = 50,
) -> int:
    """Queue recent succeeded jobs that have no verdict and no pending evaluation, and
    queue again the pending evaluations that went quiet (:func:`requeue_stranded`).
    Every succeeded job's lineage is remembered, decided or not: the gate needs it."""
    queued = 0
    for job in await jobs.recent(limit):
        if job.status != "succeeded" or not job.fine_tuned_model:
            continue
        await _remember_lineage(job, job.fine_tuned_model, store)
        if await has_verdict(job.fine_tuned_model):
            continue
        queued += await enqueue_job(job, store, queue)
    return queued + await requeue_stranded(store, queue, has_verdict)


async def enqueue_job(job: Job, store: VerdictStore, queue: JsonQueue) -> bool:
    """Queue the job's model once; False if it was queued before or has no model yet.

    The message is sent before the ``pending`` marker is written: a failed send
    leaves no marker, so the next delivery or poll queues it again. (A crash
    between the two queues the model twice; the second message finds the verdict
    standing and does nothing.)
    """
    if job.status != "succeeded" or not job.fine_tuned_model:
        return False
    if await store.get_named(PENDING_PARTITION, job.fine_tuned_model) is not None:
        return False
    await _remember_lineage(job, job.fine_tuned_model, store)
    request = EvaluationRequest(job.fine_tuned_model, job_id=job.id, base_model=job.base_model)
    await _queue(request, store, queue)
    log.info("fine-tuning job %s: evaluation queued", job.id)
    return True


async def requeue_stranded(
    store: VerdictStore,
    queue: JsonQueue,
    has_verdict: Callable[[str], Awaitable[bool]],
    limit: int = 1000,
) -> int:
    """Queue again each evaluation pending for longer than REQUEUE_AFTER with no verdict.

    A queued evaluation ends in a verdict within REQUEUE_AFTER (every attempt
    runs under the function timeout, and the last failed one records ``error``
    from the poison queue); a marker older than that stands for a message that
    was lost, and a model that would otherwise wait at the gate forever.
    """
    now = datetime.now(UTC)
    queued = 0
    for marker in await store.list_named(PENDING_PARTITION, limit):
        model = str(marker.get("Name") or "")
        if not model or now - marker["At"] < REQUEUE_AFTER or await has_verdict(model):
            continue
        request = EvaluationRequest(
            model, job_id=marker.get("JobId") or None, base_model=marker.get("BaseModel") or None
        )
        await _queue(request, store, queue)
        log.warning("evaluation pending since %s without a verdict: queued again", marker["At"])
        queued += 1
    return queued


async def _remember_lineage(job: Job, model: str, store: VerdictStore) -> None:
    await remember_lineage(
        store,
        model,
        job_id=job.id,
        training_file=job.training_file,
        validation_file=job.validation_file,
    )


async def _queue(request: EvaluationRequest, store: VerdictStore, queue: JsonQueue) -> None:
    """Send the request, then (re)write its ``pending`` marker with what re-queueing needs."""
    await queue.put(request.as_message())
    await store.put_named(
        PENDING_PARTITION,
        request.fine_tuned_model,
        JobId=request.job_id or "",
        BaseModel=request.base_model or "",
    )
