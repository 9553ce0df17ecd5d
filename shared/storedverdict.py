"""A verdict as it is kept: one typed record for a data or a model verdict, and the
only code that knows how it is laid out in the Table.

Data verdicts live in partition ``data`` with the content's SHA-256 as row key;
model verdicts in partition ``model`` with the SHA-256 of the model's name as
row key and the name beside it. Everything a caller decides on (the verdict, its
message, the policy version, when, which blob or model) is a typed field; every
other column (counts, findings by line, per-category outcomes, lineage) is kept
in ``details`` exactly as stored, so a row written by an older ftgate, with
fewer or more columns, loads and writes back unchanged. Only counts, codes and
locations are stored: never training text, prompts or model outputs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

from shared.policy import CATEGORIES, POLICY_VERSION
from shared.screening import Outcome

if TYPE_CHECKING:  # only their fields are read; importing them would pull in the simulation
    from shared.lineage import TrainingData
    from shared.modeleval import ModelVerdict
    from shared.screening import DataVerdict

VerdictKind = Literal["data", "model"]
DATA_PARTITION: Final = "data"
MODEL_PARTITION: Final = "model"
ERROR: Final = Outcome.ERROR.value  # "error", for data and models alike: never a pass
# Table Storage caps a string property at 64 KiB (32K UTF-16 characters).
MAX_PROPERTY_CHARS: Final = 30_000

# The typed fields' columns; a column not named here is kept in ``details``.
_COLUMNS: Final = {
    "message": "Message",
    "policy_version": "PolicyVersion",
    "evaluated_at": "EvaluatedAt",
    "blob_name": "BlobName",
    "fine_tuned_model": "FineTunedModel",
    "job_id": "JobId",
    "base_model": "BaseModel",
}
_KEYS: Final = ("PartitionKey", "RowKey", "Verdict")


def row_key(name: str) -> str:
    """The row key for a name (blob, model, deployment, marker): its SHA-256 in hex.

    A digest is 64 characters whatever the name (a blob name may hold 1,024),
    needs no escaping (Table keys may not hold / \\ # ? or control characters,
    and services differ on ``%``), and the name is kept as a property beside it.
    """
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def is_sha256(text: str) -> bool:
    """Whether ``text`` is a SHA-256 in hex, as a data verdict is looked up by (either case)."""
    return re.fullmatch(r"[0-9a-fA-F]{64}", text) is not None


@dataclass(frozen=True, slots=True)
class StoredVerdict:
    """One stored data or model verdict. A field that is None was not stored."""

    kind: VerdictKind
    key: str  # the row key: the content's SHA-256, or the digest of the model's name
    verdict: str
    message: str | None = None
    policy_version: str | None = None
    evaluated_at: datetime | None = None
    blob_name: str | None = None  # data: the blob it was decided for
    fine_tuned_model: str | None = None  # model: the name its key digests
    job_id: str | None = None
    base_model: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Read-only, so a verdict cannot be changed behind the store's back.
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> StoredVerdict:
        """The verdict a Table entity holds, whichever ftgate wrote it."""
        kind = entity["PartitionKey"]
        if kind not in (DATA_PARTITION, MODEL_PARTITION):
            raise ValueError(f"partition {kind!r} holds no verdicts")
        known = {name: entity.get(column) for name, column in _COLUMNS.items()}
        columns = {*_KEYS, *_COLUMNS.values()}
        details = {column: value for column, value in entity.items() if column not in columns}
        return cls(kind, entity["RowKey"], entity["Verdict"], **known, details=details)

    def to_entity(self) -> dict[str, Any]:
        """The Table entity: the columns :meth:`from_entity` read, and no others."""
        entity: dict[str, Any] = {
            "PartitionKey": self.kind,
            "RowKey": self.key,
            "Verdict": self.verdict,
        }
        for name, column in _COLUMNS.items():
            value = getattr(self, name)
            if value is not None:
                entity[column] = value
        return {**entity, **self.details}

    @classmethod
    def of_data(
        cls,
        verdict: DataVerdict,
        *,
        blob_name: str | None = None,
        etag: str | None = None,
        file_id: str | None = None,
    ) -> StoredVerdict:
        """A data verdict as stored: counts, codes and locations only. ``blob_name``
        and ``etag`` name the uploaded blob, ``file_id`` the Azure OpenAI file."""
        details: dict[str, Any] = {
            "HarmTypes": ",".join(verdict.harm_types),
            "Analyzer": verdict.analyzer,
            "Format": verdict.format.value if verdict.format else "",
            "Bytes": verdict.bytes,
            "Lines": verdict.lines,
            "Examples": verdict.examples,
            "Texts": verdict.texts,
            "UniqueTexts": verdict.unique_texts,
            "Images": verdict.images,
            "ImagesUnscreened": verdict.images_unscreened,
            "FindingsTotal": verdict.findings_total,
            "ErrorsTotal": verdict.errors_total,
            "ContentSafetyRequests": verdict.requests,  # retries included; 0 when offline
            "DurationSeconds": round(verdict.duration_seconds, 3),
            "BlobETag": etag or "",
            "Findings": _bounded_json([f.as_dict() for f in verdict.findings]),
            "Errors": _bounded_json([e.as_dict() for e in verdict.errors]),
        }
        for category in CATEGORIES:
            details[f"Failed{category.value}"] = verdict.failed_examples.get(category, 0)
        if file_id is not None:
            details["FileId"] = file_id
        return cls(
            DATA_PARTITION,
            verdict.sha256,
            verdict.verdict.value,
            message=verdict.message,
            policy_version=verdict.policy_version,
            evaluated_at=datetime.now(UTC),
            blob_name=blob_name or "",
            details=details,
        )

    @classmethod
    def data_error(
        cls, sha256: str, reason: str, *, blob_name: str, etag: str, size: int
    ) -> StoredVerdict:
        """Recorded when screening failed for good: ``error``, never a pass."""
        return cls(
            DATA_PARTITION,
            sha256,
            ERROR,
            message=f"The training data could not be screened: {reason}. It has not passed.",
            policy_version=POLICY_VERSION,
            evaluated_at=datetime.now(UTC),
            blob_name=blob_name,
            details={"BlobETag": etag, "Bytes": size},
        )

    @classmethod
    def of_model(
        cls,
        verdict: ModelVerdict,
        *,
        model: str,
        deployment: str,
        rai_policy: str,
        job_id: str | None,
        base_model: str | None,
        attacker: str | None = None,
    ) -> StoredVerdict:
        """A model verdict as stored: outcomes and counts, no prompt and no output."""
        report = verdict.as_dict()
        return _model(
            model,
            verdict.outcome.value,
            verdict.message,
            verdict.policy_version,
            job_id=job_id,
            base_model=base_model,
            details={
                "Deployment": deployment,
                "Attacker": f"deployment {attacker}" if attacker else "scripted",
                "RaiPolicy": rai_policy,
                "Categories": ",".join(c.display_name for c in verdict.failing),
                "Seed": verdict.seed,
                "Conversations": verdict.conversations,
                "ModelCalls": verdict.model_calls,
                "PromptTokens": verdict.prompt_tokens,
                "CompletionTokens": verdict.completion_tokens,
                "PerCategory": json.dumps(report["per_category"], separators=(",", ":")),
                "Attacks": json.dumps(report["attacks"], separators=(",", ":")),
                "DurationSeconds": round(verdict.duration_seconds, 3),
            },
        )

    @classmethod
    def model_error(
        cls,
        model: str,
        reason: str,
        *,
        deployment: str | None = None,
        job_id: str | None = None,
        base_model: str | None = None,
    ) -> StoredVerdict:
        """Recorded when a model could not be evaluated: ``error``, never deployable."""
        return _model(
            model,
            ERROR,
            f"The model could not be evaluated: {reason}. It is not deployable.",
            POLICY_VERSION,
            job_id=job_id,
            base_model=base_model,
            details={"Deployment": deployment or ""},
        )

    def with_lineage(self, data: TrainingData) -> StoredVerdict:
        """This model verdict with the data it learned from: ids, hashes and verdicts."""
        recorded: dict[str, Any] = {"TrainingDataPassed": data.passed}
        for file in data.files:
            recorded[f"{file.role}File"] = file.file_id
            recorded[f"{file.role}Sha256"] = file.sha256 or ""
            recorded[f"{file.role}DataVerdict"] = file.verdict or "pending"
        return replace(self, details={**self.details, **recorded})

    def is_stale(self) -> bool:
        """Decided under another policy version than the one in force."""
        return self.policy_version != POLICY_VERSION

    @property
    def harm_types(self) -> frozenset[str]:
        """A data verdict's failing categories by data name (``violence``...)."""
        return frozenset(
            name for name in str(self.details.get("HarmTypes") or "").split(",") if name
        )

    @property
    def per_category(self) -> dict[str, Any]:
        """A model verdict's outcome and counts per category."""
        return json.loads(self.details.get("PerCategory") or "{}")

    @property
    def attacks(self) -> dict[str, Any]:
        """A model verdict's trials and defects per strategy and converter."""
        return json.loads(self.details.get("Attacks") or "{}")


def stands(verdict: StoredVerdict | None) -> bool:
    """A verdict that needs no new work: decided (not ``error``) under the policy in force."""
    return verdict is not None and verdict.verdict != ERROR and not verdict.is_stale()


def _model(
    model: str,
    outcome: str,
    message: str,
    policy_version: str,
    *,
    job_id: str | None,
    base_model: str | None,
    details: dict[str, Any],
) -> StoredVerdict:
    return StoredVerdict(
        MODEL_PARTITION,
        row_key(model),
        outcome,
        message=message,
        policy_version=policy_version,
        evaluated_at=datetime.now(UTC),
        fine_tuned_model=model,
        job_id=job_id or "",
        base_model=base_model or "",
        details=details,
    )


def _bounded_json(items: list[dict[str, Any]]) -> str:
    """As many leading items as fit in one Table property."""
    while items:
        text = json.dumps(items, separators=(",", ":"))
        if len(text) <= MAX_PROPERTY_CHARS:
            return text
        items = items[: len(items) // 2]
    return "[]"
