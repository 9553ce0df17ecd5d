"""What each function of the app does once its trigger has fired.

``function_app.py`` binds a trigger, calls one function here and logs what it
returns. Everything between is here: the settings read from the environment,
the verdict store, queue and clients opened for one invocation, what a message
means, and which messages are dropped (logged, never retried into the poison
queue, because a retry cannot fix them). The app screens with Azure AI Content
Safety only. Nothing here imports ``azure.functions``.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Final

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobClient

from shared import gate, telemetry
from shared.analyzers import Analyzer, create_analyzer
from shared.answers import Answer
from shared.deploymentguard import (
    RESOURCE_WRITE,
    DeploymentDecision,
    deployment_named,
    guard_deployment,
    guard_deployments,
)
from shared.deployments import SweepReport, account_deployments, configured_account
from shared.enforcement import EnforcementReport, OpenAIFiles, enforce
from shared.evaluations import (
    EvaluationRequest,
    MalformedRequest,
    evaluate_request,
    record_malformed,
    record_poisoned_request,
)
from shared.finetuning import OpenAIJobs, handle_webhook, poll_jobs
from shared.queues import JsonQueue
from shared.reevaluation import read_rescreen_message
from shared.settings import AppSettings
from shared.simulation.targets import ChatTarget, azure_openai_client
from shared.storedverdict import StoredVerdict
from shared.uploads import open_blob, record_poisoned, screen_upload
from shared.verdicts import TableVerdictStore

log = logging.getLogger(__name__)

# The blob trigger's function name: its poison messages name it, others are not ours.
SCREEN_FUNCTION: Final = "screen_training_file"


def _analyzer() -> Analyzer:
    return create_analyzer("contentsafety")


def _store(settings: AppSettings) -> TableVerdictStore:
    return TableVerdictStore.open(settings.storage, settings.verdicts_table)


def _queue(settings: AppSettings) -> JsonQueue:
    return JsonQueue.open(settings.storage, settings.model_queue)


@contextlib.asynccontextmanager
async def _openai(settings: AppSettings) -> AsyncIterator[tuple[OpenAIJobs, OpenAIFiles]]:
    """The Azure OpenAI account's fine-tuning jobs and files, with the app's identity."""
    async with azure_openai_client(settings.require_openai_endpoint()) as client:
        yield OpenAIJobs(client), OpenAIFiles(client)


async def screen_blob(blob: BlobClient, *, force: bool = False) -> StoredVerdict:
    """Screen an uploaded training file (``force``: even if its verdict stands)."""
    async with _store(AppSettings.from_environment()) as store:
        return await screen_upload(blob, _analyzer, store, force=force)


async def rescreen_blob(body: bytes, message_id: str) -> StoredVerdict | None:
    """Screen again the blob a re-screen message names; None for a malformed message."""
    rescreen = _rescreen_message(body, message_id)
    if rescreen is None:
        return None
    settings, name, force = rescreen
    return await screen_blob(open_blob(settings.storage, settings.training_container, name),
                             force=force)  # fmt: skip


async def record_poisoned_upload(body: bytes, message_id: str) -> StoredVerdict | None:
    """Record ``error`` for the training file of a blob-trigger poison message: its
    screening failed on every retry. None when the message is not one, is another
    blob function's, or names another container than the training one."""
    try:
        poisoned = json.loads(body)
        function_id = str(poisoned.get("FunctionId", ""))
        container, name = poisoned["ContainerName"], poisoned["BlobName"]
    except (ValueError, KeyError, TypeError, AttributeError):
        log.error("poison message %s is not a blob-trigger poison message; dropped", message_id)
        return None
    if not function_id.endswith(f".{SCREEN_FUNCTION}"):
        return None  # another blob function's poison message
    settings = AppSettings.from_environment()
    if container != settings.training_container:
        # The message is only data: it must not steer the app's identity to other blobs.
        log.error("poison message %s names another container than the training one; dropped",
                  message_id)  # fmt: skip
        return None
    blob = open_blob(settings.storage, settings.training_container, name)
    return await _record_poisoned_blob(settings, blob, "screening failed on every retry")


async def record_poisoned_rescreen(body: bytes, message_id: str) -> StoredVerdict | None:
    """Record ``error`` for a file whose re-screening failed on every retry; None for a
    malformed message or a file deleted since it was queued (nothing left to decide)."""
    rescreen = _rescreen_message(body, message_id)
    if rescreen is None:
        return None
    settings, name, _ = rescreen
    blob = open_blob(settings.storage, settings.training_container, name)
    try:
        return await _record_poisoned_blob(settings, blob, "re-screening failed on every retry")
    except ResourceNotFoundError:
        log.warning("re-screen of a deleted training file poisoned; dropped")
        return None


async def _record_poisoned_blob(
    settings: AppSettings, blob: BlobClient, reason: str
) -> StoredVerdict:
    """The ``error`` verdict, and the blob kept for `ftgate replay-poison`: otherwise
    the verdict would stay unanswered after the outage."""
    async with _store(settings) as store:
        verdict = await record_poisoned(blob, store, reason)
        await store.record_poisoned("data", blob.blob_name)
    telemetry.poison_handled.add(1, {"kind": "data"})
    return verdict


def _rescreen_message(body: bytes, message_id: str) -> tuple[AppSettings, str, bool] | None:
    """The settings, and the blob name and force flag a re-screen message holds; None
    (logged) if it is malformed."""
    try:
        name, force = read_rescreen_message(body)
    except ValueError:
        log.error("re-screen message %s is malformed; dropped", message_id)
        return None
    return AppSettings.from_environment(), name, force


async def evaluate_model(body: bytes, message_id: str) -> StoredVerdict | None:
    """Evaluate the fine-tuned model an evaluation message names. A malformed message
    is recorded as ``error`` now (None) rather than retried until it is poisoned."""
    settings = AppSettings.from_environment()
    async with _store(settings) as store:
        try:
            request = EvaluationRequest.parse(body)
        except MalformedRequest as exc:
            log.error("evaluation message %s is malformed: %s", message_id, exc)
            await record_malformed(store, exc)
            return None
        endpoint = settings.require_openai_endpoint()
        async with account_deployments(store, configured_account()) as deployments:
            return await evaluate_request(
                request,
                lambda deployment: ChatTarget.azure(
                    endpoint, deployment, max_rpm=settings.openai_max_rpm
                ),
                _analyzer,
                store,
                deployments,
                attacker=settings.attacker_deployment,
            )


async def record_poisoned_evaluation(body: bytes, message_id: str) -> bool:
    """Record ``error`` for a model whose evaluation failed on every retry; False for
    a malformed message, dropped."""
    try:
        request = EvaluationRequest.parse(body)
    except MalformedRequest:
        log.error("poisoned evaluation message %s is malformed; dropped", message_id)
        return False
    async with _store(AppSettings.from_environment()) as store:
        await record_poisoned_request(store, request)
    telemetry.poison_handled.add(1, {"kind": "model"})
    return True


async def sweep_deployments() -> SweepReport | None:
    """Delete temporary evaluation deployments no live evaluation holds; None when the
    Azure OpenAI account is not configured."""
    settings = AppSettings.from_environment()
    async with (
        _store(settings) as store,
        account_deployments(store, configured_account()) as deployments,
    ):
        if deployments is None:
            log.warning("deployment sweep skipped: the Azure OpenAI account is not configured")
            return None
        return await deployments.sweep()


async def ask_gate(kind: str | None, key: str) -> Answer:
    """The gate's answer for a model or a training file's content."""
    async with _store(AppSettings.from_environment()) as store:
        return await gate.ask(store, kind, key)


async def fine_tuning_event(body: bytes, headers: Mapping[str, str]) -> Answer:
    """Verify a fine-tuning webhook call and queue the evaluation it announces; 503
    while no webhook secret is configured (nothing could be verified)."""
    settings = AppSettings.from_environment()
    if not settings.webhook_secret:
        log.error("FINE_TUNING_WEBHOOK_SECRET is not set; webhook refused")
        return Answer(503, {"error": "the webhook is not configured"})
    async with _store(settings) as store, _queue(settings) as queue, _openai(settings) as (jobs, _):
        return await handle_webhook(
            body, headers, secret=settings.webhook_secret, jobs=jobs, store=store, queue=queue
        )


async def poll_fine_tuning_jobs() -> int:
    """Queue succeeded jobs nobody queued and pending evaluations that went quiet;
    how many were queued."""
    settings = AppSettings.from_environment()
    async with _store(settings) as store, _queue(settings) as queue, _openai(settings) as (jobs, _):

        async def has_verdict(model: str) -> bool:
            return await store.get_model_verdict(model) is not None

        return await poll_jobs(jobs, store, queue, has_verdict)


async def enforce_fine_tuning_data() -> EnforcementReport:
    """Screen files imported into Azure OpenAI; cancel (or report) jobs on failing data."""
    settings = AppSettings.from_environment()
    async with _store(settings) as store, _openai(settings) as (jobs, files):
        return await enforce(files, jobs, store, _analyzer, mode=settings.enforcement)


async def judge_deployment_event(subject: str, event_type: str) -> DeploymentDecision | None:
    """Delete (or report) the deployment an Event Grid event wrote when it serves a
    fine-tuned model without a standing deployable verdict; None for any other event."""
    account = configured_account()
    if account is None:
        log.error("deployment event ignored: the Azure OpenAI account is not configured")
        return None
    name = deployment_named(subject, account)
    if event_type != RESOURCE_WRITE or name is None:
        return None  # another resource in the group, or not a write
    settings = AppSettings.from_environment()
    async with (
        _store(settings) as store,
        account_deployments(store, account) as deployments,
    ):
        assert deployments is not None  # the account is configured
        return await guard_deployment(name, deployments, store, mode=settings.enforcement)


async def judge_existing_deployments() -> list[DeploymentDecision] | None:
    """Judge every deployment on the account as an event's would be; None when the
    Azure OpenAI account is not configured."""
    account = configured_account()
    if account is None:
        log.warning("deployment guard skipped: the Azure OpenAI account is not configured")
        return None
    settings = AppSettings.from_environment()
    async with (
        _store(settings) as store,
        account_deployments(store, account) as deployments,
    ):
        assert deployments is not None  # the account is configured
        return await guard_deployments(deployments, store, mode=settings.enforcement)
