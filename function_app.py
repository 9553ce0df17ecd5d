"""The ftgate Azure Functions app (Python v2 programming model).

Each trigger binds, calls one function of ``shared.handlers`` (which reads the
settings, opens the stores and does the work) and logs the outcome. Settings
(see docs/function-app.md): TRAINING_STORAGE (connection, identity-based in Azure),
TRAINING_CONTAINER, VERDICTS_TABLE, MODEL_EVALUATIONS_QUEUE, DATA_RESCREEN_QUEUE,
CONTENT_SAFETY_ENDPOINT, AZURE_OPENAI_ENDPOINT, FINE_TUNING_WEBHOOK_SECRET,
FINE_TUNING_POLL_SCHEDULE, ENFORCEMENT (cancel or report), ENFORCEMENT_SCHEDULE.
"""

# No `from __future__ import annotations` here: the Python worker reads parameter
# annotations as classes to pick the SDK-type binding.
import json
import logging

import azure.functions as func
import azurefunctions.extensions.bindings.blob as blob_binding

from shared import handlers, telemetry
from shared.answers import Answer
from shared.handlers import SCREEN_FUNCTION
from shared.settings import STORAGE_CONNECTION

# The queue the blob trigger moves a blob to after its last failed attempt.
BLOB_POISON_QUEUE = "webjobs-blobtrigger-poison"
MODEL_QUEUE = "%MODEL_EVALUATIONS_QUEUE%"
RESCREEN_QUEUE = "%DATA_RESCREEN_QUEUE%"

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
    verdict = await handlers.screen_blob(blob)
    log.info("training file %s: verdict %s", verdict.key, verdict.verdict)


@app.function_name("record_poisoned_training_file")
@app.queue_trigger(
    arg_name="message", queue_name=BLOB_POISON_QUEUE, connection="AzureWebJobsStorage"
)
async def record_poisoned_training_file(message: func.QueueMessage) -> None:
    """Record ``error`` for a training file whose screening failed on every retry."""
    verdict = await handlers.record_poisoned_upload(message.get_body(), message.id)
    if verdict is not None:
        log.warning("training file %s: verdict %s after retries", verdict.key, verdict.verdict)


@app.function_name("evaluate_model")
@app.queue_trigger(arg_name="message", queue_name=MODEL_QUEUE, connection=STORAGE_CONNECTION)
async def evaluate_model(message: func.QueueMessage) -> None:
    """Evaluate a fine-tuned model with adversarial conversations; store its verdict."""
    verdict = await handlers.evaluate_model(message.get_body(), message.id)
    if verdict is not None:
        log.info("model %s: verdict %s", verdict.key, verdict.verdict)


@app.function_name("sweep_evaluation_deployments")
@app.timer_trigger(arg_name="timer", schedule="%DEPLOYMENT_SWEEP_SCHEDULE%")
async def sweep_evaluation_deployments(timer: func.TimerRequest) -> None:
    """Delete temporary evaluation deployments that no live evaluation holds."""
    report = await handlers.sweep_deployments()
    if report is not None:
        log.info("deployment sweep: %d deleted, %d live, %d too young",
                 len(report.deleted), len(report.live), len(report.young))  # fmt: skip


@app.function_name("record_poisoned_evaluation")
@app.queue_trigger(
    arg_name="message", queue_name=f"{MODEL_QUEUE}-poison", connection=STORAGE_CONNECTION
)
async def record_poisoned_evaluation(message: func.QueueMessage) -> None:
    """Record ``error`` for a model whose evaluation failed on every retry."""
    if await handlers.record_poisoned_evaluation(message.get_body(), message.id):
        log.warning("model evaluation poisoned: verdict error recorded")


@app.function_name("gate")
@app.route(route="gate/{kind}/{key}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
async def gate(req: func.HttpRequest) -> func.HttpResponse:
    """A pipeline's question: may this model be deployed, did this data pass?"""
    answer = await handlers.ask_gate(req.route_params.get("kind"), req.route_params.get("key", ""))
    return _json(answer)


@app.function_name("fine_tuning_webhook")
@app.route(route="webhooks/fine-tuning", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
async def fine_tuning_webhook(req: func.HttpRequest) -> func.HttpResponse:
    """Azure OpenAI's fine-tuning events; authenticated by their signature, not a key."""
    return _json(await handlers.fine_tuning_event(req.get_body(), dict(req.headers)))


def _json(answer: Answer) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(answer.body), status_code=answer.status, mimetype="application/json"
    )


@app.function_name("poll_fine_tuning_jobs")
@app.timer_trigger(arg_name="timer", schedule="%FINE_TUNING_POLL_SCHEDULE%")
async def poll_fine_tuning_jobs(timer: func.TimerRequest) -> None:
    """The safety net for a missed webhook or a lost message: queue succeeded jobs
    nobody queued, and pending evaluations that went quiet."""
    queued = await handlers.poll_fine_tuning_jobs()
    log.info("fine-tuning poll: %d evaluations queued", queued)


@app.function_name("enforce_fine_tuning_data")
@app.timer_trigger(arg_name="timer", schedule="%ENFORCEMENT_SCHEDULE%")
async def enforce_fine_tuning_data(timer: func.TimerRequest) -> None:
    """Screen files imported into Azure OpenAI; cancel (or report) jobs on failing data."""
    report = await handlers.enforce_fine_tuning_data()
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
    decision = await handlers.judge_deployment_event(event.subject, event.event_type)
    if decision is not None:
        log.info("deployment %s: %s (%s)", decision.deployment, decision.action, decision.reason)


@app.function_name("guard_existing_deployments")
@app.timer_trigger(arg_name="timer", schedule="%ENFORCEMENT_SCHEDULE%")
async def guard_existing_deployments(timer: func.TimerRequest) -> None:
    """Every deployment on the account judged as an event's would be: Event Grid only
    announces new writes, so one made before ftgate, or whose event was lost, is
    judged here."""
    decisions = await handlers.judge_existing_deployments()
    if decisions is not None:
        acted = sorted({d.action for d in decisions if d.action != "left_alone"})
        log.info("deployment guard: %d deployments, acted on by %s",
                 len(decisions), ", ".join(acted) or "none")  # fmt: skip


@app.function_name("rescreen_training_file")
@app.queue_trigger(arg_name="message", queue_name=RESCREEN_QUEUE, connection=STORAGE_CONNECTION)
async def rescreen_training_file(message: func.QueueMessage) -> None:
    """Screen an uploaded file again: a stale verdict, a replay, or an operator's request."""
    verdict = await handlers.rescreen_blob(message.get_body(), message.id)
    if verdict is not None:
        log.info("training file %s: verdict %s (re-screened)", verdict.key, verdict.verdict)


@app.function_name("record_poisoned_rescreen")
@app.queue_trigger(
    arg_name="message", queue_name=f"{RESCREEN_QUEUE}-poison", connection=STORAGE_CONNECTION
)
async def record_poisoned_rescreen(message: func.QueueMessage) -> None:
    """Record ``error`` for a file whose re-screening failed on every retry, and keep it
    for `ftgate replay-poison`: otherwise the stale verdict would simply stay unanswered."""
    verdict = await handlers.record_poisoned_rescreen(message.get_body(), message.id)
    if verdict is not None:
        log.warning("training file %s: verdict %s after re-screen retries",
                    verdict.key, verdict.verdict)  # fmt: skip
