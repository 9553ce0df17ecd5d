"""Enforcement where the platform enforces: files imported into Azure OpenAI are
screened, and fine-tuning jobs are held to their data's verdict.

Without this, ftgate is advisory: a file uploaded straight to Azure OpenAI is
never screened, and a pipeline that forgets the gate trains on whatever it has.
One pass (the ``enforce_fine_tuning_data`` timer, or ``ftgate enforce --once``):

1. Files. Every file with purpose ``fine-tune`` whose content has no standing
   verdict is streamed through the openai SDK and hashed (memory stays flat);
   a verdict standing for the same SHA-256 (the blob path's, or an earlier
   import's) is reused, otherwise the content is streamed again through the
   same screening as the blob path. File id -> SHA-256 is recorded
   (``shared.lineage``). Files of jobs still running are screened first.
2. Jobs. Each job not yet ended (``validating_files``, ``queued``, ``running``)
   is looked up against its training and validation files' verdicts. A file
   ``failed`` or ``invalid``, or one not wholly screened (``error``, or
   ``incomplete``: images that could not be screened) holds the job: in
   ``cancel`` mode it is cancelled through the SDK, in ``report`` mode only
   recorded and alerted. The decision (partition ``enforcement``, keyed by the
   job) carries the mode, the file, its hash and the data verdict's message
   (the platform's wording) — never training text.

A file that cannot be read this pass is left for the next; its jobs are not
held on a verdict that does not exist.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import openai

from shared import telemetry
from shared.analyzers.base import Analyzer
from shared.finetuning import Job, OpenAIJobs
from shared.lineage import DataFile, data_file, file_sha256, record_file
from shared.screening import screen
from shared.storedverdict import StoredVerdict, stands
from shared.verdicts import VerdictStore

log = logging.getLogger(__name__)

PURPOSE: Final = "fine-tune"
NON_TERMINAL: Final = frozenset({"validating_files", "queued", "running"})
# Data verdicts that stop a job: harm found, a malformed file, or data not wholly
# screened (error, incomplete) — nothing unobserved counts as safe.
HOLDING: Final = frozenset({"failed", "invalid", "error", "incomplete"})
ENFORCEMENT_PARTITION: Final = "enforcement"
MAX_JOBS: Final = 500  # the newest jobs are read; jobs still running are among them
CHUNK_BYTES: Final = 1 << 20


class OpenAIFiles:
    """The account's fine-tuning files, through the openai SDK."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self._client = client

    async def fine_tune_files(self) -> list[str]:
        """The ids of every file uploaded for fine-tuning (all pages)."""
        return [f.id async for f in self._client.files.list(purpose=PURPOSE)]

    async def chunks(self, file_id: str) -> AsyncIterator[bytes]:
        """The file's content, streamed: never held whole in memory."""
        async with self._client.files.with_streaming_response.content(file_id) as response:
            async for chunk in response.iter_bytes(CHUNK_BYTES):
                yield chunk


@dataclass(frozen=True, slots=True)
class FileResult:
    """What the pass knows of one imported file: its hash and verdict, and whether it
    was screened now (False: a standing verdict for the same content was reused)."""

    file_id: str
    sha256: str
    verdict: str
    screened: bool


@dataclass(frozen=True, slots=True)
class JobDecision:
    """A job held to its data's verdict: what was done, in which mode, and why."""

    job_id: str
    mode: str
    action: str  # cancelled, reported, cancel_failed; would_cancel, would_report (dry run)
    role: str
    file_id: str
    sha256: str | None
    data_verdict: str
    message: str


@dataclass(slots=True)
class EnforcementReport:
    mode: str
    dry_run: bool
    files: list[FileResult] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # file ids left for the next pass
    decisions: list[JobDecision] = field(default_factory=list)
    jobs_checked: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "dry_run": self.dry_run,
            "files": [asdict(f) for f in self.files],
            "unreadable": self.unreadable,
            "jobs_checked": self.jobs_checked,
            "decisions": [asdict(d) for d in self.decisions],
        }


async def enforce(
    files: OpenAIFiles,
    jobs: OpenAIJobs,
    store: VerdictStore,
    analyzer_factory: Callable[[], Analyzer],
    *,
    mode: str,
    dry_run: bool = False,
) -> EnforcementReport:
    """One pass: screen imported files, then hold every running job to its data.

    ``dry_run`` cancels nothing and records no decision; data verdicts are still
    recorded (they are facts about content, not actions on the account).
    """
    report = EnforcementReport(mode, dry_run)
    active = [job for job in await jobs.newest(MAX_JOBS) if job.status in NON_TERMINAL]
    first = [f for job in active for f in (job.training_file, job.validation_file) if f]
    for file_id in dict.fromkeys([*first, *await files.fine_tune_files()]):
        try:
            report.files.append(await _screen_file(files, store, analyzer_factory, file_id))
        # One file's failure (an API error, a stream cut mid-way by the transport the
        # SDK uses) must not stop the pass: the file is left for the next one.
        except Exception as exc:
            log.warning("imported file %s could not be read: %s", file_id, type(exc).__name__)
            report.unreadable.append(file_id)
    for job in active:
        report.jobs_checked += 1
        holding = await _holding_file(store, job)
        if holding is not None:
            report.decisions.append(
                await _hold(job, holding, jobs, store, mode=mode, dry_run=dry_run)
            )
    return report


async def _screen_file(
    files: OpenAIFiles,
    store: VerdictStore,
    analyzer_factory: Callable[[], Analyzer],
    file_id: str,
) -> FileResult:
    sha256 = await file_sha256(store, file_id)
    if sha256 is None:
        digest = hashlib.sha256()
        async for chunk in files.chunks(file_id):
            digest.update(chunk)
        sha256 = digest.hexdigest()
        await record_file(store, file_id, sha256)
    known = await store.get_data_verdict(sha256)
    if stands(known):
        return FileResult(file_id, sha256, known.verdict, screened=False)
    with telemetry.evaluation("data", sha256=sha256):
        async with analyzer_factory() as analyzer:
            verdict = await screen(files.chunks(file_id), analyzer)
    await store.put_verdict(StoredVerdict.of_data(verdict, file_id=file_id))
    await record_file(store, file_id, verdict.sha256)
    log.info("imported file %s screened: verdict %s", file_id, verdict.verdict.value)
    return FileResult(file_id, verdict.sha256, verdict.verdict.value, screened=True)


async def _holding_file(store: VerdictStore, job: Job) -> DataFile | None:
    """The first of the job's files whose verdict stops it, if any."""
    for role, file_id in (("Training", job.training_file), ("Validation", job.validation_file)):
        if file_id:
            data = await data_file(store, file_id, role)
            if data.verdict in HOLDING:
                return data
    return None


async def reported_before(store: VerdictStore, key: str, **same: str) -> bool:
    """Whether the decision ``key`` was already recorded as reported (with the ``same``
    properties): report mode alerts once per finding, not on every pass."""
    previous = await store.get_named(ENFORCEMENT_PARTITION, key)
    return (
        previous is not None
        and previous.get("Action") == "reported"
        and all(previous.get(name) == value for name, value in same.items())
    )


async def _hold(
    job: Job, data: DataFile, jobs: OpenAIJobs, store: VerdictStore, *, mode: str, dry_run: bool
) -> JobDecision:
    """Cancel (or report) ``job`` for ``data``'s verdict and record the decision; a job
    reported before is not alerted again on every pass."""
    action = "cancelled" if mode == "cancel" else "reported"
    name = f"job:{job.id}"
    repeated = action == "reported" and await reported_before(store, name)
    if dry_run:
        action = f"would_{mode}"
    elif mode == "cancel":
        try:
            await jobs.cancel(job.id)
        except openai.APIError as exc:  # e.g. it ended meanwhile; the next pass looks again
            log.error("job %s could not be cancelled: %s", job.id, type(exc).__name__)
            action = "cancel_failed"
    decision = JobDecision(
        job.id, mode, action, data.role.lower(), data.file_id, data.sha256,
        str(data.verdict), data.message or "",
    )  # fmt: skip
    if not dry_run and not repeated:
        await store.put_named(
            ENFORCEMENT_PARTITION,
            name,
            Kind="job",
            JobId=job.id,
            Mode=mode,
            Action=action,
            Role=decision.role,
            FileId=data.file_id,
            Sha256=data.sha256 or "",
            DataVerdict=decision.data_verdict,
            Message=decision.message,
        )
        telemetry.enforcement_alerts.add(1, {"kind": "job", "mode": mode, "action": action})
    log.warning("job %s held to its %s data (%s): %s", job.id, data.verdict, mode, action)
    return decision
