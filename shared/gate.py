"""The gate: a stored verdict as the answer a deployment pipeline can act on.

Anything but ``deployable`` (models) or ``passed`` (data) answers false: an
``error``, an ``inconclusive`` test or a verdict that does not exist yet never
opens the gate. A missing verdict is ``404 {"status": "pending"}`` so pipelines
can poll.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from shared.policy import CATEGORIES

PENDING: Final = {"status": "pending"}


@dataclass(frozen=True, slots=True)
class GateAnswer:
    status: int
    body: dict[str, Any]


def model_answer(entity: dict[str, Any] | None) -> GateAnswer:
    if entity is None:
        return GateAnswer(404, PENDING)
    per_category = json.loads(entity.get("PerCategory") or "{}")
    return GateAnswer(
        200,
        {
            "deployable": entity.get("Verdict") == "deployable",
            **_common(entity),
            "categories": {name: row.get("outcome") for name, row in per_category.items()},
        },
    )


def data_answer(entity: dict[str, Any] | None) -> GateAnswer:
    if entity is None:
        return GateAnswer(404, PENDING)
    verdict = entity.get("Verdict")
    harm_types = {name for name in str(entity.get("HarmTypes") or "").split(",") if name}
    if verdict in ("passed", "failed"):
        categories = {
            c.value: "failed" if c.data_name in harm_types else "passed" for c in CATEGORIES
        }
    else:  # invalid or error: no category was judged
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
