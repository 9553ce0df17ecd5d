"""Deployments of undeployable models are undone: the platform's "not available for
deployment", held without every pipeline asking the gate.

Event Grid announces each deployment write on the Azure OpenAI account (a
resource-group system topic, ``Microsoft.Resources.ResourceWriteSuccess``). The
deployment is read back through ARM, and one serving a fine-tuned model is
judged as the gate judges it: a ``deployable`` evaluation *and* passed training
data, under the policy in force. Anything less — pending included — is deleted
in ``cancel`` mode and only reported in ``report`` mode; either way the decision
is recorded (partition ``enforcement``, keyed by the deployment) and alerted.
Base models, and ftgate's own temporary evaluation deployments (an
``ftgate-eval-*`` name *and* a live lease), are left alone.

Event Grid only sees new writes: a deployment made before ftgate was installed,
or whose event was lost, would never be judged. :func:`guard_deployments` lists
every deployment on the account and applies the same rule (the enforcement
timer's schedule, and ``ftgate enforce --once`` when the account is configured),
so nothing unobserved stays deployed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from shared import telemetry
from shared.deployments import AccountDeployments, DeploymentInfo, DeploymentSettings
from shared.enforcement import ENFORCEMENT_PARTITION, reported_before
from shared.gate import missing_for_deployment
from shared.lineage import training_data
from shared.verdicts import VerdictStore

log = logging.getLogger(__name__)

RESOURCE_WRITE: Final = "Microsoft.Resources.ResourceWriteSuccess"
LACKS: Final = {
    "model_evaluation": "a deployable model evaluation",
    "training_data": "training data that passed screening",
}


@dataclass(frozen=True, slots=True)
class DeploymentDecision:
    deployment: str
    model: str
    action: str  # left_alone, deleted, delete_failed, reported, gone; would_delete,
    # would_report (dry run)
    reason: str
    missing: list[str] = field(default_factory=list)


def deployment_named(subject: str, settings: DeploymentSettings) -> str | None:
    """The deployment an event's subject (a resource id) names, when it is one of the
    configured account's; None for anything else in the resource group."""
    account = (
        f"/subscriptions/{settings.subscription_id}/resourceGroups/{settings.resource_group}"
        f"/providers/Microsoft.CognitiveServices/accounts/{settings.account}/deployments/"
    )
    if not subject.lower().startswith(account.lower()):
        return None
    name = subject[len(account) :]
    return name if name and "/" not in name else None


def is_fine_tuned(model: str) -> bool:
    """Azure OpenAI names fine-tuned models ``<base>.ft-<id>``; OpenAI ``ft:<base>:...``."""
    return model.startswith("ft:") or ".ft-" in model


async def guard_deployment(
    name: str, deployments: AccountDeployments, store: VerdictStore, *, mode: str
) -> DeploymentDecision:
    """Judge the deployment ``name`` an event announced, as it is now (the event may be
    older than what ARM holds)."""
    try:
        info = await deployments.describe(name)
    except ResourceNotFoundError:
        return DeploymentDecision(name, "", "gone", "the deployment no longer exists")
    return await _judge(info, deployments, store, mode=mode, dry_run=False)


async def guard_deployments(
    deployments: AccountDeployments, store: VerdictStore, *, mode: str, dry_run: bool = False
) -> list[DeploymentDecision]:
    """Judge every deployment on the account by the rule of :func:`guard_deployment`:
    the ones no event announced. ``dry_run`` deletes nothing and records nothing."""
    return [
        await _judge(info, deployments, store, mode=mode, dry_run=dry_run)
        async for info in deployments.all()
    ]


async def _judge(
    info: DeploymentInfo,
    deployments: AccountDeployments,
    store: VerdictStore,
    *,
    mode: str,
    dry_run: bool,
) -> DeploymentDecision:
    """Delete (cancel) or report ``info`` when it serves a fine-tuned model that is not
    deployable; leave everything else alone."""
    name = info.name
    if info.model_format != "OpenAI" or not is_fine_tuned(info.model):
        return DeploymentDecision(name, info.model, "left_alone", "not a fine-tuned model")
    if await deployments.held_by_live_evaluation(name, datetime.now(UTC)):
        return DeploymentDecision(name, info.model, "left_alone", "ftgate's own evaluation")
    missing = missing_for_deployment(
        await store.get_model_verdict(info.model), await training_data(store, info.model)
    )
    if not missing:
        return DeploymentDecision(name, info.model, "left_alone", "deployable")
    reason = (
        "The fine-tuned model is not available for deployment: it lacks "
        + " and ".join(LACKS[m] for m in missing)
        + "."
    )
    action = "deleted" if mode == "cancel" else "reported"
    key = f"deployment:{name}"
    repeated = action == "reported" and await reported_before(store, key, Model=info.model)
    if dry_run:
        action = "would_delete" if mode == "cancel" else "would_report"
    elif mode == "cancel":
        try:
            await deployments.delete(name)
        except HttpResponseError as exc:  # e.g. a lock on the account; the next sweep retries
            log.error("deployment %s could not be deleted: %s", name, exc.status_code)
            action = "delete_failed"
    if not dry_run and not repeated:
        await store.put_named(
            ENFORCEMENT_PARTITION,
            key,
            Kind="deployment",
            Deployment=name,
            Model=info.model,
            Mode=mode,
            Action=action,
            Missing=",".join(missing),
            Message=reason,
        )
        telemetry.enforcement_alerts.add(1, {"kind": "deployment", "mode": mode, "action": action})
    log.warning("deployment %s of %s: %s (%s)", name, info.model, action, ",".join(missing))
    return DeploymentDecision(name, info.model, action, reason, missing)
