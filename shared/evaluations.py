"""Evaluating a fine-tuned model on request: one queue message, one verdict per model.

The ``model-evaluations`` queue carries JSON: ``fine_tuned_model`` (required),
``deployment`` (an existing deployment to evaluate it on), ``job_id``,
``base_model``. The conversations are scripted, and with an attacker deployment
(``EVALUATION_ATTACKER_DEPLOYMENT``, on the same account) a crescendo strategy
whose follow-ups that model writes joins them; the verdict records which
(``Attacker``). The message cannot choose what is evaluated: a named deployment
is read through ARM and must serve ``fine_tuned_model``, else the verdict is
``error``; without one, a temporary deployment is made for this evaluation
alone. Every stage has a deadline, and running out records ``error`` naming
the stage. A redelivered message for a model already decided does nothing. A
malformed message gets an ``error`` verdict at once rather than failing (and
being retried) until it is poisoned, unless a verdict already stands. Only
outcomes and counts are stored: no prompt, no output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from shared import telemetry
from shared.analyzers.base import Analyzer
from shared.deployments import (
    AccountDeployments,
    DeploymentInfo,
    DeploymentMismatch,
    StageTimeout,
    stage,
)
from shared.errors import FtgateError
from shared.gate import stands
from shared.lineage import training_data
from shared.modeleval import ModelOutcome, ModelVerdict, evaluate_model
from shared.policy import POLICY_VERSION
from shared.simulation.strategies import SCRIPTED, Crescendo, Strategy
from shared.simulation.targets import Target, TargetError
from shared.verdicts import MODEL_PARTITION, VerdictStore, row_key

log = logging.getLogger(__name__)

# The conversations' deadline. With deployment create (20 min) and readiness
# (15 min) it stays inside host.json's functionTimeout of 2 hours, leaving
# time to delete the deployment and record the verdict.
CONVERSATIONS_TIMEOUT: Final = 3600.0


class MalformedRequest(FtgateError, ValueError):
    """The message is not a valid request; the reason names the field, not its value.

    ``model`` is the fine-tuned model it names, when it names one, so the error
    verdict can be recorded where a pipeline will look for it.
    """

    def __init__(self, reason: str, model: str | None = None) -> None:
        super().__init__(reason)
        self.model = model


class AttackerUnavailable(FtgateError):
    """The configured attacker deployment did not answer: the evaluation it was asked
    to join would be narrower than configured, so none is held."""


@dataclass(frozen=True, slots=True)
class EvaluationRequest:
    fine_tuned_model: str
    deployment: str | None = None
    job_id: str | None = None
    base_model: str | None = None
    force: bool = False  # evaluate again even if a current verdict exists

    @classmethod
    def parse(cls, body: bytes | str) -> EvaluationRequest:
        try:
            message = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise MalformedRequest("the message is not JSON") from None
        if not isinstance(message, dict):
            raise MalformedRequest("the message is not a JSON object")
        model = message.get("fine_tuned_model")
        if not isinstance(model, str) or not model.strip():
            raise MalformedRequest("fine_tuned_model is missing or not a string")
        fields = {}
        for name in ("deployment", "job_id", "base_model"):
            value = message.get(name)
            if value is not None and not isinstance(value, str):
                raise MalformedRequest(f"{name} must be a string", model.strip())
            fields[name] = value or None
        return cls(model.strip(), **fields, force=message.get("force") is True)

    def as_message(self) -> str:
        fields = dataclasses.asdict(self)
        return json.dumps({name: value for name, value in fields.items() if value})


def model_verdict_entity(
    verdict: ModelVerdict,
    request: EvaluationRequest,
    deployment: DeploymentInfo,
    attacker: str | None = None,
) -> dict[str, Any]:
    report = verdict.as_dict()
    return {
        **_identity(request),
        "Deployment": deployment.name,
        "Attacker": f"deployment {attacker}" if attacker else "scripted",
        "RaiPolicy": deployment.rai_policy,
        "Verdict": verdict.outcome.value,
        "Categories": ",".join(c.display_name for c in verdict.failing),
        "Message": verdict.message,
        "PolicyVersion": verdict.policy_version,
        "Seed": verdict.seed,
        "Conversations": verdict.conversations,
        "ModelCalls": verdict.model_calls,
        "PromptTokens": verdict.prompt_tokens,
        "CompletionTokens": verdict.completion_tokens,
        "PerCategory": json.dumps(report["per_category"], separators=(",", ":")),
        "Attacks": json.dumps(report["attacks"], separators=(",", ":")),
        "DurationSeconds": round(verdict.duration_seconds, 3),
    }


def model_error_entity(request: EvaluationRequest, reason: str) -> dict[str, Any]:
    return {
        **_identity(request),
        "Verdict": ModelOutcome.ERROR.value,
        "Message": f"The model could not be evaluated: {reason}. It is not deployable.",
        "PolicyVersion": POLICY_VERSION,
    }


def _identity(request: EvaluationRequest) -> dict[str, Any]:
    return {
        "PartitionKey": MODEL_PARTITION,
        "RowKey": row_key(request.fine_tuned_model),
        "FineTunedModel": request.fine_tuned_model,
        "Deployment": request.deployment or "",
        "JobId": request.job_id or "",
        "BaseModel": request.base_model or "",
        "EvaluatedAt": datetime.now(UTC),
    }


async def record_malformed(store: VerdictStore, problem: MalformedRequest) -> None:
    """Record ``error`` for the model a malformed message names, unless a verdict stands."""
    if problem.model is None:
        return
    if stands(await store.get_model_verdict(problem.model)):
        return
    request = EvaluationRequest(problem.model)
    await store.put_model_verdict(model_error_entity(request, f"malformed request: {problem}"))


async def evaluate_request(
    request: EvaluationRequest,
    target_factory: Callable[[str], Target],
    analyzer_factory: Callable[[], Analyzer],
    store: VerdictStore,
    deployments: AccountDeployments | None,
    *,
    seed: int | None = None,
    conversations_timeout: float = CONVERSATIONS_TIMEOUT,
    attacker: str | None = None,
) -> dict[str, Any]:
    """The model's verdict entity: recorded before, or evaluated and recorded now.

    ``deployments`` reads (and, for a request naming none, makes) the deployment
    serving the model; without it nothing can be checked and the verdict is
    ``error``. ``attacker`` names the deployment that writes crescendo follow-ups
    (reached through ``target_factory`` too), if any.
    """
    with telemetry.evaluation("model", model=request.fine_tuned_model) as trace:
        with telemetry.step("read", model=request.fine_tuned_model):
            known = await store.get_model_verdict(request.fine_tuned_model)
        if stands(known) and not request.force:
            log.info("model already evaluated: verdict %s", known["Verdict"])
            return known
        if deployments is None:
            entity = model_error_entity(
                request, "the Azure OpenAI account is not configured, so the deployment "
                "serving the model cannot be checked or made"
            )  # fmt: skip
        else:
            try:
                entity = await _evaluate(
                    request,
                    target_factory=target_factory,
                    analyzer_factory=analyzer_factory,
                    deployments=deployments,
                    seed=seed,
                    conversations_timeout=conversations_timeout,
                    attacker=attacker,
                )
            except (AttackerUnavailable, DeploymentMismatch, StageTimeout) as exc:
                log.error("model evaluation ended: %s", exc)
                entity = model_error_entity(request, str(exc))
        with telemetry.step("decide", model=request.fine_tuned_model, verdict=entity["Verdict"]):
            data = await training_data(store, request.fine_tuned_model)
            entity.update(data.properties())  # lineage: what the model learned from
            await store.put_model_verdict(entity)
        trace.set_attribute("ftgate.verdict", entity["Verdict"])
        return entity


async def _evaluate(
    request: EvaluationRequest,
    *,
    target_factory: Callable[[str], Target],
    analyzer_factory: Callable[[], Analyzer],
    deployments: AccountDeployments,
    seed: int | None,
    conversations_timeout: float,
    attacker: str | None,
) -> dict[str, Any]:
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    evaluation_id = uuid.uuid4().hex
    model = request.fine_tuned_model

    async def serves(deployment: str) -> bool:
        async with target_factory(deployment) as target:
            try:
                await target.reply([{"role": "user", "content": "Reply with OK."}])
            except TargetError:
                return False
            return True

    # Checked first: a temporary deployment takes minutes to make, and is not needed.
    if attacker is not None and not await serves(attacker):
        raise AttackerUnavailable(
            f"the attacker deployment {attacker} (EVALUATION_ATTACKER_DEPLOYMENT) did not answer"
        )
    async with contextlib.AsyncExitStack() as stack:
        if request.deployment is not None:
            deployment = await deployments.serving(request.deployment, model)
        else:
            deployment = await stack.enter_async_context(
                deployments.temporary(model, evaluation_id, serves)
            )
            deployment.check_serves(model)
        target = await stack.enter_async_context(target_factory(deployment.name))
        analyzer = await stack.enter_async_context(analyzer_factory())
        strategies: tuple[Strategy, ...] = SCRIPTED
        if attacker is not None:
            writer = await stack.enter_async_context(target_factory(attacker))
            strategies = (*SCRIPTED, Crescendo(writer))
        with telemetry.step("analyze", model=model, seed=seed) as span:
            async with stage("conversations", conversations_timeout):
                verdict = await evaluate_model(target, analyzer, seed=seed, strategies=strategies)
            span.set_attributes(
                {
                    "ftgate.conversations": verdict.conversations,
                    "ftgate.model_calls": verdict.model_calls,
                    "ftgate.prompt_tokens": verdict.prompt_tokens,
                    "ftgate.completion_tokens": verdict.completion_tokens,
                }
            )
    log.info(
        "model evaluated: verdict %s after %d conversations, %d calls, seed %d, evaluation %s",
        verdict.outcome.value,
        verdict.conversations,
        verdict.model_calls,
        verdict.seed,
        evaluation_id,
    )
    return model_verdict_entity(verdict, request, deployment, attacker)
