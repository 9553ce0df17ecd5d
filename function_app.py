"""The ftgate Azure Functions app (Python v2 programming model).

Triggers stay thin: read the binding, call the library in ``shared/``, write the
verdict. Settings (see README): TRAINING_STORAGE (connection, identity-based in
Azure), TRAINING_CONTAINER, VERDICTS_TABLE, MODEL_EVALUATIONS_QUEUE,
CONTENT_SAFETY_ENDPOINT, AZURE_OPENAI_ENDPOINT, FINE_TUNING_WEBHOOK_SECRET,
FINE_TUNING_POLL_SCHEDULE, ENFORCEMENT (cancel or report), ENFORCEMENT_SCHEDULE.
"""

# No `from __future__ import annotations` here: the Python worker reads parameter
# annotations as classes to pick the SDK-type binding.
import json
import logging

import azure.functions as func
import azurefunctions.extensions.bindings.blob as blob_binding
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobClient

from shared import telemetry
from shared.analyzers import create_analyzer
from shared.answers import Answer
from shared.deploymentguard import (
    RESOURCE_WRITE,
    deployment_named,
    guard_deployment,
    guard_deployments,
)
from shared.deployments import account_deployments, configured_account
from shared.enforcement import OpenAIFiles, enforce
from shared.evaluations import (
    EvaluationRequest,
    MalformedRequest,
    evaluate_request,
    record_malformed,
    record_poisoned_request,
)
from shared.finetuning import OpenAIJobs, handle_webhook, poll_jobs
from shared.gate import data_answer, model_answer
from shared.lineage import training_data
from shared.queues import JsonQueue
from shared.reevaluation import read_rescreen_message
from shared.settings import STORAGE_CONNECTION, AppSettings
from shared.simulation.targets import ChatTarget, azure_openai_client
from shared.storedverdict import is_sha256
from shared.uploads import open_blob, record_poisoned, screen_upload
from shared.verdicts import TableVerdictStore

# The queue the blob trigger moves a blob to after its last failed attempt.
BLOB_POISON_QUEUE = "webjobs-blobtrigger-poison"
SCREEN_FUNCTION = "screen_training_file"
MODEL_QUEUE = "%MODEL_EVALUATIONS_QUEUE%"

app = func.FunctionApp()
log = logging.getLogger("ftgate")
telemetry.configure()  # Application Insights with Entra ID, when configured
telemetry.correlate_logs()


@app.function_name(SCREEN_FUNCTION)
@app.blob_trigger(
    arg_name="blob",
    path="%TRAINING_CONTAINER%/{name}",
    connection=STORAGE_CONNECTION,
    source=func.BlobSource.EVENT_GRID,
)
async def screen_training_file(blob: blob_binding.BlobClient) -> None:
    """Screen an uploaded training file with Azure AI Content Safety; store the verdict."""
    settings = AppSettings.from_environment()
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        entity = await screen_upload(blob, lambda: create_analyzer("contentsafety"), store)
    log.info("training file %s: verdict %s", entity.key, entity.verdict)


@app.function_name("record_poisoned_training_file")
@app.queue_trigger(
    arg_name="message", queue_name=BLOB_POISON_QUEUE, connection="AzureWebJobsStorage"
)
async def record_poisoned_training_file(message: func.QueueMessage) -> None:
    """Record ``error`` for a training file whose screening failed on every retry."""
    try:
        poisoned = json.loads(message.get_body())
        function_id = str(poisoned.get("FunctionId", ""))
        container, name = poisoned["ContainerName"], poisoned["BlobName"]
    except (ValueError, KeyError, TypeError, AttributeError):
        log.error("poison message %s is not a blob-trigger poison message; dropped", message.id)
        return
    if not function_id.endswith(f".{SCREEN_FUNCTION}"):
        return  # another blob function's poison message
    settings = AppSettings.from_environment()
    if container != settings.training_container:
        # The message is only data: it must not steer the app's identity to other blobs.
        log.error("poison message %s names another container than the training one; dropped",
                  message.id)  # fmt: skip
        return
    blob = open_blob(settings.storage, settings.training_container, name)
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        entity = await record_poisoned(blob, store, "screening failed on every retry")
        telemetry.poison_handled.add(1, {"kind": "data"})
        await store.record_poisoned("data", blob.blob_name)  # for `ftgate replay-poison`
    log.warning("training file %s: verdict %s after retries", entity.key, entity.verdict)


@app.function_name("evaluate_model")
@app.queue_trigger(arg_name="message", queue_name=MODEL_QUEUE, connection=STORAGE_CONNECTION)
async def evaluate_model(message: func.QueueMessage) -> None:
    """Evaluate a fine-tuned model with adversarial conversations; store its verdict."""
    settings = AppSettings.from_environment()
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        try:
            request = EvaluationRequest.parse(message.get_body())
        except MalformedRequest as exc:
            # Recorded now rather than retried until poisoned: retrying cannot fix it.
            log.error("evaluation message %s is malformed: %s", message.id, exc)
            await record_malformed(store, exc)
            return
        endpoint = settings.require_openai_endpoint()
        async with account_deployments(store, configured_account()) as deployments:
            entity = await evaluate_request(
                request,
                lambda deployment: ChatTarget.azure(
                    endpoint, deployment, max_rpm=settings.openai_max_rpm
                ),
                lambda: create_analyzer("contentsafety"),
                store,
                deployments,
                attacker=settings.attacker_deployment,
            )
    log.info("model %s: verdict %s", entity.key, entity.verdict)


@app.function_name("sweep_evaluation_deployments")
@app.timer_trigger(arg_name="timer", schedule="%DEPLOYMENT_SWEEP_SCHEDULE%")
async def sweep_evaluation_deployments(timer: func.TimerRequest) -> None:
    """Delete temporary evaluation deployments that no live evaluation holds."""
    settings = AppSettings.from_environment()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        account_deployments(store, configured_account()) as deployments,
    ):
        if deployments is None:
            log.warning("deployment sweep skipped: the Azure OpenAI account is not configured")
            return
        report = await deployments.sweep()
    log.info(
        "deployment sweep: %d deleted, %d live, %d too young",
        len(report.deleted), len(report.live), len(report.young),
    )  # fmt: skip


@app.function_name("record_poisoned_evaluation")
@app.queue_trigger(
    arg_name="message", queue_name=f"{MODEL_QUEUE}-poison", connection=STORAGE_CONNECTION
)
async def record_poisoned_evaluation(message: func.QueueMessage) -> None:
    """Record ``error`` for a model whose evaluation failed on every retry."""
    try:
        request = EvaluationRequest.parse(message.get_body())
    except MalformedRequest:
        log.error("poisoned evaluation message %s is malformed; dropped", message.id)
        return
    settings = AppSettings.from_environment()
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        await record_poisoned_request(store, request)
    telemetry.poison_handled.add(1, {"kind": "model"})
    log.warning("model evaluation poisoned: verdict error recorded")


@app.function_name("gate")
@app.route(route="gate/{kind}/{key}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
async def gate(req: func.HttpRequest) -> func.HttpResponse:
    """A pipeline's question: may this model be deployed, did this data pass?"""
    kind, key = req.route_params.get("kind"), req.route_params.get("key", "")
    if kind not in ("models", "data"):
        return _json(Answer(404, {"error": "ask /api/gate/models/{model} or /data/{sha256}"}))
    if kind == "data" and not is_sha256(key):
        return _json(Answer(400, {"error": "a data verdict is looked up by its SHA-256"}))
    settings = AppSettings.from_environment()
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        if kind == "models":
            answer = model_answer(
                await store.get_model_verdict(key), await training_data(store, key)
            )
        else:
            answer = data_answer(await store.get_data_verdict(key.lower()))
    return _json(answer)


def _json(answer: Answer) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(answer.body), status_code=answer.status, mimetype="application/json"
    )


@app.function_name("fine_tuning_webhook")
@app.route(route="webhooks/fine-tuning", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
async def fine_tuning_webhook(req: func.HttpRequest) -> func.HttpResponse:
    """Azure OpenAI's fine-tuning events; authenticated by their signature, not a key."""
    settings = AppSettings.from_environment()
    if not settings.webhook_secret:
        log.error("FINE_TUNING_WEBHOOK_SECRET is not set; webhook refused")
        return _json(Answer(503, {"error": "the webhook is not configured"}))
    endpoint = settings.require_openai_endpoint()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        JsonQueue.open(settings.storage, settings.model_queue) as queue,
        azure_openai_client(endpoint) as client,
    ):
        answer = await handle_webhook(
            req.get_body(),
            dict(req.headers),
            secret=settings.webhook_secret,
            jobs=OpenAIJobs(client),
            store=store,
            queue=queue,
        )
    return _json(Answer(answer.status, answer.body))


@app.function_name("poll_fine_tuning_jobs")
@app.timer_trigger(arg_name="timer", schedule="%FINE_TUNING_POLL_SCHEDULE%")
async def poll_fine_tuning_jobs(timer: func.TimerRequest) -> None:
    """The safety net for a missed webhook or a lost message: queue succeeded jobs
    nobody queued, and pending evaluations that went quiet."""
    settings = AppSettings.from_environment()
    endpoint = settings.require_openai_endpoint()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        JsonQueue.open(settings.storage, settings.model_queue) as queue,
        azure_openai_client(endpoint) as client,
    ):

        async def has_verdict(model: str) -> bool:
            return await store.get_model_verdict(model) is not None

        queued = await poll_jobs(OpenAIJobs(client), store, queue, has_verdict)
    log.info("fine-tuning poll: %d evaluations queued", queued)


@app.function_name("enforce_fine_tuning_data")
@app.timer_trigger(arg_name="timer", schedule="%ENFORCEMENT_SCHEDULE%")
async def enforce_fine_tuning_data(timer: func.TimerRequest) -> None:
    """Screen files imported into Azure OpenAI; cancel (or report) jobs on failing data."""
    settings = AppSettings.from_environment()
    endpoint = settings.require_openai_endpoint()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        azure_openai_client(endpoint) as client,
    ):
        report = await enforce(
            OpenAIFiles(client),
            OpenAIJobs(client),
            store,
            lambda: create_analyzer("contentsafety"),
            mode=settings.enforcement,
        )
    log.info(
        "enforcement (%s): %d files, %d screened now, %d unreadable; %d jobs checked, %d held",
        report.mode, len(report.files), sum(f.screened for f in report.files),
        len(report.unreadable), report.jobs_checked, len(report.decisions),
    )  # fmt: skip


@app.function_name("undo_undeployable_deployment")
@app.event_grid_trigger(arg_name="event")
async def undo_undeployable_deployment(event: func.EventGridEvent) -> None:
    """A deployment written on the Azure OpenAI account: delete (or report) it when it
    serves a fine-tuned model without a standing deployable verdict."""
    account = configured_account()
    if account is None:
        log.error("deployment event ignored: the Azure OpenAI account is not configured")
        return
    name = deployment_named(event.subject, account)
    if event.event_type != RESOURCE_WRITE or name is None:
        return  # another resource in the group, or not a write
    settings = AppSettings.from_environment()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        account_deployments(store, account) as deployments,
    ):
        assert deployments is not None  # the account is configured
        decision = await guard_deployment(name, deployments, store, mode=settings.enforcement)
    log.info("deployment %s: %s (%s)", name, decision.action, decision.reason)


@app.function_name("guard_existing_deployments")
@app.timer_trigger(arg_name="timer", schedule="%ENFORCEMENT_SCHEDULE%")
async def guard_existing_deployments(timer: func.TimerRequest) -> None:
    """Every deployment on the account judged as an event's would be: Event Grid only
    announces new writes, so one made before ftgate, or whose event was lost, is
    judged here."""
    account = configured_account()
    if account is None:
        log.warning("deployment guard skipped: the Azure OpenAI account is not configured")
        return
    settings = AppSettings.from_environment()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        account_deployments(store, account) as deployments,
    ):
        assert deployments is not None  # the account is configured
        decisions = await guard_deployments(deployments, store, mode=settings.enforcement)
    acted = [d for d in decisions if d.action != "left_alone"]
    log.info("deployment guard (%s): %d deployments, %d acted on",
             settings.enforcement, len(decisions), len(acted))  # fmt: skip


@app.function_name("rescreen_training_file")
@app.queue_trigger(
    arg_name="message", queue_name="%DATA_RESCREEN_QUEUE%", connection=STORAGE_CONNECTION
)
async def rescreen_training_file(message: func.QueueMessage) -> None:
    """Screen an uploaded file again: a stale verdict, a replay, or an operator's request."""
    rescreen = _rescreen_blob(message)
    if rescreen is None:
        return
    blob, settings, force = rescreen
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        entity = await screen_upload(
            blob, lambda: create_analyzer("contentsafety"), store, force=force
        )
    log.info("training file %s: verdict %s (re-screened)", entity.key, entity.verdict)


@app.function_name("record_poisoned_rescreen")
@app.queue_trigger(
    arg_name="message", queue_name="%DATA_RESCREEN_QUEUE%-poison", connection=STORAGE_CONNECTION
)
async def record_poisoned_rescreen(message: func.QueueMessage) -> None:
    """Record ``error`` for a file whose re-screening failed on every retry, and keep it
    for `ftgate replay-poison`: otherwise the stale verdict would simply stay unanswered."""
    rescreen = _rescreen_blob(message)
    if rescreen is None:
        return
    blob, settings, _ = rescreen
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        try:
            entity = await record_poisoned(blob, store, "re-screening failed on every retry")
        except ResourceNotFoundError:
            # Deleted since it was queued: nothing is left to decide or to replay.
            log.warning("re-screen of a deleted training file poisoned; dropped")
            return
        await store.record_poisoned("data", blob.blob_name)  # for `ftgate replay-poison`
    telemetry.poison_handled.add(1, {"kind": "data"})
    log.warning("training file %s: verdict %s after re-screen retries",
                entity.key, entity.verdict)  # fmt: skip


def _rescreen_blob(message: func.QueueMessage) -> tuple[BlobClient, AppSettings, bool] | None:
    """The blob a re-screen message names, the settings and its force flag; None
    (logged) if the message is malformed, so it is dropped rather than retried into
    the poison queue."""
    try:
        name, force = read_rescreen_message(message.get_body())
    except ValueError:
        log.error("re-screen message %s is malformed; dropped", message.id)
        return None
    settings = AppSettings.from_environment()
    return open_blob(settings.storage, settings.training_container, name), settings, force
