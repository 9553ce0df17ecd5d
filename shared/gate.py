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

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from shared.answers import Answer
from shared.lineage import TrainingData, training_data
from shared.policy import CATEGORIES
from shared.storedverdict import is_sha256

if TYPE_CHECKING:
    from shared.storedverdict import StoredVerdict
    from shared.verdicts import VerdictStore

PENDING: Final = {"status": "pending"}


async def ask(store: VerdictStore, kind: str | None, key: str) -> Answer:
    """The answer to ``GET /api/gate/{kind}/{key}``: ``models`` by fine-tuned model,
    ``data`` by the content's SHA-256 (either case)."""
    if kind not in ("models", "data"):
        return Answer(404, {"error": "ask /api/gate/models/{model} or /data/{sha256}"})
    if kind == "data" and not is_sha256(key):
        return Answer(400, {"error": "a data verdict is looked up by its SHA-256"})
    if kind == "models":
        return model_answer(await store.get_model_verdict(key), await training_data(store, key))
    return data_answer(await store.get_data_verdict(key.lower()))


def _pending(verdict: StoredVerdict | None) -> Answer:
    if verdict is None:
        return Answer(404, PENDING)
    return Answer(404, {**PENDING, "stale_policy_version": verdict.policy_version})


def model_answer(verdict: StoredVerdict | None, data: TrainingData) -> Answer:
    """The model's verdict joined with its training data's (both must hold)."""
    if verdict is None or verdict.is_stale():
        return _pending(verdict)
    missing = missing_for_deployment(verdict, data)
    # A deployable model whose data is not decided yet is worth waiting for.
    waiting = missing == ["training_data"] and not data.decided
    return Answer(
        404 if waiting else 200,
        {
            **(PENDING if waiting else {}),
            "deployable": not missing,
            "missing": missing,
            **_common(verdict),
            "categories": {name: row.get("outcome") for name, row in verdict.per_category.items()},
            "attacks": verdict.attacks,
            "training_data": data.as_dict(),
        },
    )


def missing_for_deployment(verdict: StoredVerdict | None, data: TrainingData) -> list[str]:
    """What a model lacks to be deployable: ``model_evaluation`` (no ``deployable``
    verdict under the policy in force: pending counts) and ``training_data``."""
    evaluated = verdict is not None and not verdict.is_stale() and verdict.verdict == "deployable"
    missing = [] if evaluated else ["model_evaluation"]
    return missing if data.passed else [*missing, "training_data"]


def data_answer(verdict: StoredVerdict | None) -> Answer:
    if verdict is None or verdict.is_stale():
        return _pending(verdict)
    if verdict.verdict in ("passed", "failed"):
        categories = {
            c.value: "failed" if c.data_name in verdict.harm_types else "passed" for c in CATEGORIES
        }
    else:  # invalid, error or incomplete: no category was fully judged
        categories = {c.value: verdict.verdict for c in CATEGORIES}
    return Answer(
        200, {"passed": verdict.verdict == "passed", **_common(verdict), "categories": categories}
    )


def _common(verdict: StoredVerdict) -> dict[str, Any]:
    evaluated = verdict.evaluated_at
    return {
        "verdict": verdict.verdict,
        "message": verdict.message,
        "policy_version": verdict.policy_version,
        "evaluated_at": evaluated.isoformat() if isinstance(evaluated, datetime) else evaluated,
    }
