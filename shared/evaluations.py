"""Evaluating a fine-tuned model on request: one queue message, one verdict per model.

The ``model-evaluations`` queue carries JSON: ``fine_tuned_model`` (required),
``deployment`` (an existing deployment to evaluate it on), ``job_id``,
``base_model``. The conversations are scripted, and with an attacker deployment
(``EVALUATION_ATTACKER_DEPLOYMENT``, on the same account) a crescendo strategy
whose follow-ups that model writes joins them, and that model translates the
English objectives for the language converters; the verdict records which
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
from typing import Final

from shared import telemetry
from shared.analyzers.base import Analyzer
from shared.deployments import (
    AccountDeployments,
    DeploymentMismatch,
    StageTimeout,
    stage,
)
from shared.errors import FtgateError
from shared.lineage import training_data
from shared.modeleval import evaluate_model
from shared.simulation.strategies import SCRIPTED, Crescendo, Strategy
from shared.simulation.targets import Target, TargetError
from shared.simulation.translation import Translator
from shared.storedverdict import StoredVerdict, stands
from shared.verdicts import VerdictStore

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


def model_error(request: EvaluationRequest, reason: str) -> StoredVerdict:
    """The ``error`` verdict for what ``request`` asked: the model is not deployable."""
    return StoredVerdict.model_error(
        request.fine_tuned_model,
        reason,
        deployment=request.deployment,
        job_id=request.job_id,
        base_model=request.base_model,
    )


async def record_malformed(store: VerdictStore, problem: MalformedRequest) -> None:
    """Record ``error`` for the model a malformed message names, unless a verdict stands."""
    if problem.model is None:
        return
    if stands(await store.get_model_verdict(problem.model)):
        return
    request = EvaluationRequest(problem.model)
    await store.put_verdict(model_error(request, f"malformed request: {problem}"))


async def record_poisoned_request(store: VerdictStore, request: EvaluationRequest) -> None:
    """Record ``error`` for a model whose evaluation failed on every retry (unless a
    verdict stands after all), and keep the request for `ftgate replay-poison`."""
    if not stands(await store.get_model_verdict(request.fine_tuned_model)):
        await store.put_verdict(model_error(request, "the evaluation failed on every retry"))
    await store.record_poisoned("model", request.fine_tuned_model)


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
) -> StoredVerdict:
    """The model's verdict: recorded before, or evaluated and recorded now.

    ``deployments`` reads (and, for a request naming none, makes) the deployment
    serving the model; without it nothing can be checked and the verdict is
    ``error``. ``attacker`` names the deployment that writes crescendo follow-ups
    (reached through ``target_factory`` too), if any.
    """
    with telemetry.evaluation("model", model=request.fine_tuned_model) as trace:
        with telemetry.step("read", model=request.fine_tuned_model):
            known = await store.get_model_verdict(request.fine_tuned_model)
        if stands(known) and not request.force:
            log.info("model already evaluated: verdict %s", known.verdict)
            return known
        if deployments is None:
            stored = model_error(
                request, "the Azure OpenAI account is not configured, so the deployment "
                "serving the model cannot be checked or made"
            )  # fmt: skip
        else:
            try:
                stored = await _evaluate(
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
                stored = model_error(request, str(exc))
        with telemetry.step("decide", model=request.fine_tuned_model, verdict=stored.verdict):
            data = await training_data(store, request.fine_tuned_model)
            stored = stored.with_lineage(data)  # what the model learned from
            await store.put_verdict(stored)
        trace.set_attribute("ftgate.verdict", stored.verdict)
        return stored


async def _evaluate(
    request: EvaluationRequest,
    *,
    target_factory: Callable[[str], Target],
    analyzer_factory: Callable[[], Analyzer],
    deployments: AccountDeployments,
    seed: int | None,
    conversations_timeout: float,
    attacker: str | None,
) -> StoredVerdict:
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
        translator = None
        if attacker is not None:
            writer = await stack.enter_async_context(target_factory(attacker))
            strategies, translator = (*SCRIPTED, Crescendo(writer)), Translator(writer)
        with telemetry.step("analyze", model=model, seed=seed) as span:
            async with stage("conversations", conversations_timeout):
                verdict = await evaluate_model(
                    target, analyzer, seed=seed, strategies=strategies, translator=translator
                )
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
    return StoredVerdict.of_model(
        verdict,
        model=model,
        deployment=deployment.name,
        rai_policy=deployment.rai_policy,
        job_id=request.job_id,
        base_model=request.base_model,
        attacker=attacker,
    )
