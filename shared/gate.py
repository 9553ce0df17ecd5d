"""The gate: a stored verdict as the answer a deployment pipeline can act on.

A model is deployable only when its evaluation is ``deployable`` *and* the data
it was trained on ``passed`` (:mod:`shared.lineage`); ``missing`` names which of
the two is not there; a deployable model whose training data has no verdict yet
answers 404 pending with the same body, so a pipeline keeps waiting. Anything
else answers false: an ``error``, an ``inconclusive`` test or a verdict that
does not exist yet never opens the gate.
A missing verdict is ``404 {"status": "pending"}`` so pipelines can poll. So
is a stale one, decided under an older ``POLICY_VERSION``: it waits for its
re-evaluation (``ftgate reevaluate --stale``) rather than opening the gate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from shared.policy import CATEGORIES, POLICY_VERSION

if TYPE_CHECKING:  # lineage reads verdicts with this module's is_stale
    from shared.lineage import TrainingData

PENDING: Final = {"status": "pending"}


@dataclass(frozen=True, slots=True)
class GateAnswer:
    status: int
    body: dict[str, Any]


def is_stale(entity: dict[str, Any]) -> bool:
    """Decided under another policy version than the one in force."""
    return entity.get("PolicyVersion") != POLICY_VERSION


def stands(entity: dict[str, Any] | None) -> bool:
    """A verdict that needs no new work: decided (not ``error``) under the policy in force."""
    return entity is not None and entity.get("Verdict") != "error" and not is_stale(entity)


def _pending(entity: dict[str, Any] | None) -> GateAnswer:
    if entity is None:
        return GateAnswer(404, PENDING)
    return GateAnswer(404, {**PENDING, "stale_policy_version": entity.get("PolicyVersion")})


def model_answer(entity: dict[str, Any] | None, data: TrainingData) -> GateAnswer:
    """The model's verdict joined with its training data's (both must hold)."""
    if entity is None or is_stale(entity):
        return _pending(entity)
    per_category = json.loads(entity.get("PerCategory") or "{}")
    missing = missing_for_deployment(entity, data)
    # A deployable model whose data is not decided yet is worth waiting for.
    waiting = missing == ["training_data"] and not data.decided
    return GateAnswer(
        404 if waiting else 200,
        {
            **(PENDING if waiting else {}),
            "deployable": not missing,
            "missing": missing,
            **_common(entity),
            "categories": {name: row.get("outcome") for name, row in per_category.items()},
            "attacks": json.loads(entity.get("Attacks") or "{}"),
            "training_data": data.as_dict(),
        },
    )


def missing_for_deployment(entity: dict[str, Any] | None, data: TrainingData) -> list[str]:
    """What a model lacks to be deployable: ``model_evaluation`` (no ``deployable``
    verdict under the policy in force: pending counts) and ``training_data``."""
    evaluated = entity is not None and not is_stale(entity) and entity["Verdict"] == "deployable"
    missing = [] if evaluated else ["model_evaluation"]
    return missing if data.passed else [*missing, "training_data"]


def data_answer(entity: dict[str, Any] | None) -> GateAnswer:
    if entity is None or is_stale(entity):
        return _pending(entity)
    verdict = entity.get("Verdict")
    harm_types = {name for name in str(entity.get("HarmTypes") or "").split(",") if name}
    if verdict in ("passed", "failed"):
        categories = {
            c.value: "failed" if c.data_name in harm_types else "passed" for c in CATEGORIES
        }
    else:  # invalid, error or incomplete: no category was fully judged
        categories = {c.value: verdict for c in CATEGORIES}
    return GateAnswer(
        200, {"passed": verdict == "passed", **_common(entity), "categories": categories}
    )


def _common(entity: dict[str, Any]) -> dict[str, Any]:
    evaluated = entity.get("EvaluatedAt")
    return {
        "verdict": entity.get("Verdict"),
        "message": entity.get("Message"),
        "policy_version": entity.get("PolicyVersion"),
        "evaluated_at": evaluated.isoformat() if isinstance(evaluated, datetime) else evaluated,
    }
