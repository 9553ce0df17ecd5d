"""Lineage: which training data a fine-tuned model learned from, and whether it passed.

A model is deployable only when its own evaluation says so *and* the data it was
trained on passed screening: a model evaluated harmless may still have learned
from harmful data (the platform fails such a job outright). Who sees a job
(the webhook, the poller, the enforcement pass) records the model's files by
id (partition ``lineage``); the enforcement pass records each Azure OpenAI file
id's content hash (partition ``file``). The data verdict is then looked up by
SHA-256, so content screened on the blob path and imported later counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from shared.verdicts import VerdictStore

LINEAGE_PARTITION: Final = "lineage"  # fine-tuned model -> its job and file ids
FILE_PARTITION: Final = "file"  # Azure OpenAI file id -> SHA-256 of its content
ROLES: Final = ("Training", "Validation")


@dataclass(frozen=True, slots=True)
class DataFile:
    """One file a model was trained (or validated) on, and its data verdict now."""

    role: str  # Training or Validation
    file_id: str
    sha256: str | None  # None: the file's content has not been hashed yet
    verdict: str | None  # None: no data verdict under the policy in force yet
    message: str | None = None  # the data verdict's message (the platform's wording)

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role.lower(),
            "file_id": self.file_id,
            "sha256": self.sha256,
            "verdict": self.verdict or "pending",
        }


@dataclass(frozen=True, slots=True)
class TrainingData:
    """The data behind a model; passed only when a training file is known and every
    file's verdict is ``passed`` (pending, error, invalid, failed: not passed)."""

    files: tuple[DataFile, ...]

    @property
    def passed(self) -> bool:
        known = any(f.role == "Training" for f in self.files)
        return known and all(f.verdict == "passed" for f in self.files)

    @property
    def decided(self) -> bool:
        """A training file is known and every file has a verdict (passed or not)."""
        known = any(f.role == "Training" for f in self.files)
        return known and all(f.verdict is not None for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "files": [f.as_dict() for f in self.files]}


async def remember_lineage(
    store: VerdictStore,
    model: str,
    *,
    job_id: str,
    training_file: str | None,
    validation_file: str | None,
) -> None:
    """Remember which files ``model`` was trained on (from its fine-tuning job), unless
    known: a model comes from one job, so what was recorded once stays true."""
    if await store.get_named(LINEAGE_PARTITION, model) is not None:
        return
    await store.put_named(
        LINEAGE_PARTITION,
        model,
        JobId=job_id,
        TrainingFile=training_file or "",
        ValidationFile=validation_file or "",
    )


async def record_file(store: VerdictStore, file_id: str, sha256: str) -> None:
    """Remember the content hash of an Azure OpenAI file."""
    await store.put_named(FILE_PARTITION, file_id, Sha256=sha256)


async def file_sha256(store: VerdictStore, file_id: str) -> str | None:
    known = await store.get_named(FILE_PARTITION, file_id)
    return str(known["Sha256"]) if known else None


async def training_data(store: VerdictStore, model: str) -> TrainingData:
    """The files ``model`` was trained on and their data verdicts as they stand now."""
    lineage = await store.get_named(LINEAGE_PARTITION, model) or {}
    files = []
    for role in ROLES:
        file_id = str(lineage.get(f"{role}File") or "")
        if file_id:
            files.append(await data_file(store, file_id, role))
    return TrainingData(tuple(files))


async def data_file(store: VerdictStore, file_id: str, role: str = "Training") -> DataFile:
    """A file's content hash and its data verdict under the policy in force, if any."""
    sha256 = await file_sha256(store, file_id)
    verdict = await store.get_data_verdict(sha256) if sha256 else None
    if verdict is None or verdict.is_stale():
        return DataFile(role, file_id, sha256, None)
    return DataFile(role, file_id, sha256, verdict.verdict, verdict.message)
