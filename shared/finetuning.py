"""From "training complete" to a queued evaluation: the webhook and its fallback poller.

Azure OpenAI's fine-tuning webhooks follow Standard Webhooks: the openai SDK
checks the HMAC-SHA256 signature (``whsec_`` secret) and the timestamp's
tolerance; anything that fails is answered 400 with no side effect. Each
``webhook-id`` is accepted once, and each fine-tuned model is queued once
(a ``pending`` marker, created atomically in the verdict table, is shared with
the poller). The
webhook only enqueues; the evaluation runs from the queue, so the webhook
answers well within its timeout.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import openai

from shared.evaluations import EvaluationRequest
from shared.queues import JsonQueue
from shared.verdicts import VerdictStore

log = logging.getLogger(__name__)

WEBHOOK_PARTITION: Final = "webhook"
PENDING_PARTITION: Final = "pending"
SUCCEEDED: Final = "fine_tuning.job.succeeded"


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    status: str
    fine_tuned_model: str | None
    base_model: str | None


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


def _job(job: Any) -> Job:
    return Job(job.id, job.status, job.fine_tuned_model, job.model)


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    status: int
    body: dict[str, Any]


async def handle_webhook(
    payload: bytes,
    headers: Mapping[str, str],
    *,
    secret: str,
    jobs: FineTuningJobs,
    store: VerdictStore,
    queue: JsonQueue,
    tolerance: int = 300,
) -> WebhookAnswer:
    """Verify, de-duplicate and enqueue; never evaluate inline."""
    verifier = openai.OpenAI(api_key="unused", webhook_secret=secret)
    try:
        verifier.webhooks.verify_signature(payload, headers, secret=secret, tolerance=tolerance)
        event = json.loads(payload)
    except (openai.InvalidWebhookSignatureError, ValueError) as exc:
        log.warning("webhook rejected: %s", type(exc).__name__)
        return WebhookAnswer(400, {"error": "invalid webhook signature or timestamp"})
    if not await store.first_time(WEBHOOK_PARTITION, headers.get("webhook-id", "")):
        return WebhookAnswer(200, {"status": "duplicate"})
    if event.get("type") != SUCCEEDED:
        return WebhookAnswer(200, {"status": "ignored"})
    job = await jobs.get(str(event.get("data", {}).get("id", "")))
    queued = await enqueue_job(job, store, queue)
    return WebhookAnswer(202 if queued else 200, {"status": "queued" if queued else "known"})


async def poll_jobs(
    jobs: FineTuningJobs,
    store: VerdictStore,
    queue: JsonQueue,
    has_verdict: Callable[[str], Awaitable[bool]],
    limit: int = 50,
) -> int:
    """Queue recent succeeded jobs that have no verdict and no pending evaluation."""
    queued = 0
    for job in await jobs.recent(limit):
        if job.status != "succeeded" or not job.fine_tuned_model:
            continue
        if await has_verdict(job.fine_tuned_model):
            continue
        queued += await enqueue_job(job, store, queue)
    return queued


async def enqueue_job(job: Job, store: VerdictStore, queue: JsonQueue) -> bool:
    """Queue the job's model once; False if it was queued before or has no model yet."""
    if job.status != "succeeded" or not job.fine_tuned_model:
        return False
    if not await store.first_time(PENDING_PARTITION, job.fine_tuned_model):
        return False
    request = EvaluationRequest(job.fine_tuned_model, job_id=job.id, base_model=job.base_model)
    await queue.put(request.as_message())
    log.info("fine-tuning job %s: evaluation queued", job.id)
    return True
