"""Data evaluation: turn a training file's bytes into a verdict.

One pass over the stream: the reader validates each line and hands over its
texts; identical texts are analyzed once (a system prompt repeated on every line
costs one analysis); a bounded number of analyzer calls are in flight; each
example's texts resolve into per-category severities and findings. Memory stays
flat: the de-duplication cache, the work in flight, the recurrences waiting for
it and the findings kept are all bounded, whatever the file size and however
often its texts repeat.

The verdict is ``passed``, ``failed``, ``invalid`` (format errors: the file is
not screened further once the first one is seen) or ``error`` (the analyzer
failed: never ``passed``). Findings carry line, field path, category and
severity, never the text.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, runtime_checkable

from shared.analyzers.base import Analyzer, AnalyzerError, ImageAnalyzer, Severities
from shared.policy import (
    CATEGORIES,
    POLICY_VERSION,
    Category,
    Outcome,
    data_failure_message,
    fails_data_threshold,
)
from shared.trainingdata import (
    DataFormat,
    DataWarning,
    Example,
    FormatError,
    RawLine,
    TrainingFileReader,
)

MAX_FINDINGS_KEPT: Final = 100


@dataclass(frozen=True, slots=True)
class Finding:
    """A text at or above the threshold: where it is, never what it says."""

    line: int
    path: str
    category: Category
    severity: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "path": self.path,
            "category": self.category.value,
            "severity": self.severity,
        }


@dataclass(frozen=True, slots=True)
class DataVerdict:
    """The outcome of screening one training file, safe to log and store."""

    verdict: Outcome
    message: str
    harm_types: tuple[str, ...]
    sha256: str
    bytes: int
    lines: int
    examples: int
    texts: int
    unique_texts: int
    images: int
    images_unscreened: int
    format: DataFormat | None
    failed_examples: dict[Category, int]
    findings: tuple[Finding, ...]
    findings_total: int
    errors: tuple[FormatError, ...]
    errors_total: int
    analyzer: str
    duration_seconds: float
    warnings: tuple[DataWarning, ...] = ()  # the platform's data-quality notes; never decide
    # Requests the analyzer sent for this file, retries included: what Content Safety
    # bills; 0 for the embedded analyzer, which sends none.
    requests: int = 0
    policy_version: str = POLICY_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "message": self.message,
            "harm_types": list(self.harm_types),
            "policy_version": self.policy_version,
            "analyzer": self.analyzer,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "format": self.format.value if self.format else None,
            "lines": self.lines,
            "examples": self.examples,
            "texts": self.texts,
            "unique_texts": self.unique_texts,
            "images": self.images,
            "images_unscreened": self.images_unscreened,
            "failed_examples": {c.value: n for c, n in self.failed_examples.items()},
            "findings": [finding.as_dict() for finding in self.findings],
            "findings_total": self.findings_total,
            "errors": [error.as_dict() for error in self.errors],
            "errors_total": self.errors_total,
            "warnings": [warning.as_dict() for warning in self.warnings],
            "requests": self.requests,
            "duration_seconds": round(self.duration_seconds, 3),
        }


@runtime_checkable
class CountsRequests(Protocol):
    """An analyzer that counts the requests it sends (Content Safety, the estimate's
    stand-in), so a verdict can say what screening cost."""

    requests: int


@dataclass(frozen=True, slots=True)
class JudgedExample:
    """An example scored away from the screening run: its counts, its worst
    severity per category and its findings; never its texts."""

    line: int
    texts: int
    images: int
    worst: tuple[int, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class ScreeningLimits:
    """How much work may be in flight and how many verdicts are remembered.

    These trade memory for speed; none of them changes what passes or fails.
    """

    batch_texts: int = 64
    batch_chars: int = 256 * 1024
    batch_images: int = 8
    max_in_flight: int = 8
    dedupe_cache_size: int = 32_768
    # Recurrences of texts not yet scored (in a partial batch or in flight) that wait
    # with their examples. A file repeating such texts while no new ones fill the
    # batch would otherwise queue one per line; at the bound the partial batch is
    # sent and reading pauses until results have answered the waiting.
    max_waiting: int = 4096


@dataclass(slots=True)
class _ExampleState:
    """An example whose texts are still being analyzed."""

    line: int
    remaining: int
    worst: list[int] = field(default_factory=lambda: [0] * len(CATEGORIES))


class ScreeningRun:
    """The state of one screening run; see :func:`screen`."""

    def __init__(self, analyzer: Analyzer, limits: ScreeningLimits) -> None:
        self.analyzer = analyzer
        self.limits = limits
        self.reader = TrainingFileReader()
        self.cache: OrderedDict[bytes, Severities] = OrderedDict()
        self.distinct_results: dict[Severities, Severities] = {}
        self.waiting: dict[bytes, list[tuple[_ExampleState, str]]] = {}
        self.waiting_entries = 0  # sum of the lists' lengths, held under limits.max_waiting
        self.batch: list[tuple[bytes, str]] = []
        self.batch_chars = 0
        self.image_batch: list[tuple[bytes, bytes]] = []
        self.sees_images = isinstance(analyzer, ImageAnalyzer)
        self.images_unscreened = 0
        self.in_flight: set[asyncio.Task[tuple[list[bytes], list[Severities]]]] = set()
        self.screening = True
        self.failure: str | None = None
        self.texts = 0
        self.analyzed = 0
        self.failed_examples = dict.fromkeys(CATEGORIES, 0)
        self.findings: list[Finding] = []
        self.findings_total = 0

    # ---- feeding

    async def add(self, example: Example) -> None:
        self.texts += len(example.texts)
        if self.screening and not self.reader.is_valid:
            self.stop(None)  # an invalid file is not screened for harm: stop paying for it
        if not self.screening:
            return
        images = await self._readable(example) if self.sees_images else []
        self.images_unscreened += example.images - len(images)
        state = _ExampleState(example.line, len(example.texts) + len(images))
        for item in example.texts:
            text = item.text.encode("utf-8", "surrogatepass")
            await self._enqueue(state, item.path, dedupe_key(b"text", text), item.text)
        for path, image in images:
            await self._enqueue(state, path, dedupe_key(b"image", image), image)
        if not example.texts and not images:  # else the last result finishes it
            self._finish_example(state)

    async def consume(
        self,
        chunks: AsyncIterable[bytes] | Iterable[bytes],
        take: Callable[[RawLine], Awaitable[None]],
        *,
        settle: Callable[[], Awaitable[None]] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Hand every line of ``chunks`` to ``take`` in order, await ``settle`` (the
        lines taken are all counted once it returns), then apply the file-wide rules
        and wait for the last results."""
        try:
            async for chunk in _aiter(chunks):
                for raw in self.reader.lines_of(chunk):
                    await take(raw)
                if on_progress is not None:
                    on_progress(self.reader.bytes_read)
            for raw in self.reader.last_lines():
                await take(raw)
            if settle is not None:
                await settle()
            self.reader.conclude()
            await self.drain()
        finally:
            for task in self.in_flight:
                task.cancel()

    async def add_line(self, raw: RawLine) -> None:
        """Parse a line here and screen its example."""
        example = self.reader.parse(raw)
        if example is not None:
            await self.add(example)

    def add_judged(self, judged: JudgedExample) -> None:
        """Count an example whose texts were scored elsewhere (a worker process, by an
        analyzer that sees no images), as :meth:`add` would have counted it."""
        self.texts += judged.texts
        if self.screening and not self.reader.is_valid:
            self.stop(None)
        if not self.screening:
            return
        self.images_unscreened += judged.images
        for finding in judged.findings:
            self._record(finding)
        self._finish_example(_ExampleState(judged.line, 0, list(judged.worst)))

    async def _readable(self, example: Example) -> list[tuple[str, bytes]]:
        """(path, image) of each image the analyzer can see: data URLs, and URL
        images it may fetch (see ``shared.imagefetch``)."""
        assert isinstance(self.analyzer, ImageAnalyzer)
        readable = []
        for picture in example.pictures:
            image = picture.data
            if image is None and picture.url is not None:
                image = await self.analyzer.fetch_image(picture.url)
            if image is not None:
                readable.append((picture.path, image))
        return readable

    async def _enqueue(
        self, state: _ExampleState, path: str, digest: bytes, content: str | bytes
    ) -> None:
        """Resolve from the cache, wait for the same content in flight, or batch it;
        then hold the waiting list under its bound. Nothing once stopped: a failure
        taken while this example's texts were queued must not send (and bill) the rest."""
        if not self.screening:
            return
        known = self.cache.get(digest)
        if known is not None:
            self.cache.move_to_end(digest)
            self._resolve(state, path, known)
        elif digest in self.waiting:
            self.waiting[digest].append((state, path))
            self.waiting_entries += 1
        else:
            self.waiting[digest] = [(state, path)]
            self.waiting_entries += 1
            if isinstance(content, bytes):
                self.image_batch.append((digest, content))
                full = len(self.image_batch) >= self.limits.batch_images
            else:
                self.batch.append((digest, content))
                self.batch_chars += len(content)
                full = (
                    len(self.batch) >= self.limits.batch_texts
                    or self.batch_chars >= self.limits.batch_chars
                )
            if full:
                await self._dispatch()
        if self.waiting_entries >= self.limits.max_waiting:
            await self._relieve()

    async def _dispatch(self) -> None:
        batch, self.batch, self.batch_chars = self.batch, [], 0
        images, self.image_batch = self.image_batch, []
        if batch:
            self.in_flight.add(asyncio.ensure_future(self._analyze(batch)))
        if images:
            self.in_flight.add(asyncio.ensure_future(self._analyze(images)))
        while len(self.in_flight) >= self.limits.max_in_flight and self.screening:
            await self._take_results()

    async def _take_results(self) -> None:
        """Wait for at least one call in flight to end, and apply what ended."""
        done, self.in_flight = await asyncio.wait(
            self.in_flight, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            self._collect(task)

    async def _relieve(self) -> None:
        """Send the partial batch and take results until the waiting list is under
        its bound: every waiting digest is then in flight, so results shrink it."""
        await self._dispatch()
        while self.waiting_entries >= self.limits.max_waiting and self.in_flight:
            await self._take_results()

    async def _analyze(
        self, batch: list[tuple[bytes, str]] | list[tuple[bytes, bytes]]
    ) -> tuple[list[bytes], list[Severities]]:
        digests = [digest for digest, _ in batch]
        contents = [content for _, content in batch]
        if isinstance(contents[0], bytes):
            assert isinstance(self.analyzer, ImageAnalyzer)  # only batched when it is
            results = await self.analyzer.analyze_images(contents)
        else:
            results = await self.analyzer.analyze(contents)
        if len(results) != len(batch):
            raise AnalyzerError(
                f"the analyzer returned {len(results)} results for {len(batch)} items"
            )
        return digests, results

    def _collect(self, task: asyncio.Task[tuple[list[bytes], list[Severities]]]) -> None:
        if task.cancelled():
            return
        exc = task.exception()  # retrieved even when stopped, so asyncio does not warn
        if not self.screening:
            return
        if exc is not None:  # fail closed; a foreign message may quote input, so not kept
            self.stop(
                f"the analyzer failed: {exc}"
                if isinstance(exc, AnalyzerError)
                else f"the analyzer failed unexpectedly ({type(exc).__name__})"
            )
            return
        digests, results = task.result()
        self.analyzed += len(digests)
        for digest, result in zip(digests, results, strict=True):
            # Few distinct results exist (8^4 at most): share them, so the cache
            # costs a digest and a slot per text rather than a tuple as well.
            severities = self.distinct_results.setdefault(result, result)
            self.cache[digest] = severities
            if len(self.cache) > self.limits.dedupe_cache_size:
                self.cache.popitem(last=False)
            waiting = self.waiting.pop(digest)
            self.waiting_entries -= len(waiting)
            for state, path in waiting:
                self._resolve(state, path, severities)

    # ---- results

    def _resolve(self, state: _ExampleState, path: str, severities: Severities) -> None:
        if any(severities):  # most texts score 0 everywhere: nothing to record or raise
            for finding in findings_of(state.line, path, severities):
                self._record(finding)
            state.worst[:] = map(max, state.worst, severities)
        state.remaining -= 1
        if state.remaining == 0:
            self._finish_example(state)

    def _finish_example(self, state: _ExampleState) -> None:
        for index, category in enumerate(CATEGORIES):
            if fails_data_threshold(state.worst[index]):
                self.failed_examples[category] += 1

    def _record(self, finding: Finding) -> None:
        self.findings_total += 1
        self.findings.append(finding)
        if len(self.findings) >= 2 * MAX_FINDINGS_KEPT:
            self._trim_findings()

    def _trim_findings(self) -> None:
        """Keep the first findings by line: batches complete out of order."""
        self.findings.sort(key=lambda f: (f.line, f.path, f.category.value))
        del self.findings[MAX_FINDINGS_KEPT:]

    # ---- stopping

    def stop(self, failure: str | None) -> None:
        """Stop screening: on a format error (failure None) or an analyzer failure."""
        if self.screening:
            self.screening = False
            self.failure = failure
            for task in self.in_flight:
                task.cancel()
            self.batch.clear()
            self.image_batch.clear()
            self.waiting.clear()
            self.waiting_entries = 0

    async def drain(self) -> None:
        if self.screening and not self.reader.is_valid:
            self.stop(None)
        if self.screening:
            await self._dispatch()
        while self.in_flight:
            await self._take_results()

    def conclude(self, started: float, requests: int) -> DataVerdict:
        """The verdict (``requests``: what the analyzer was sent), counted in telemetry."""
        # Imported here: OpenTelemetry is start-up time that `ftgate analyze`, which
        # needs this module only for its types, need not pay.
        from shared import telemetry  # noqa: PLC0415

        verdict = self.verdict(started, requests)
        telemetry.files_screened.add(1, {"verdict": verdict.verdict.value})
        telemetry.texts_analyzed.add(verdict.unique_texts)
        if verdict.verdict in (Outcome.PASSED, Outcome.FAILED, Outcome.INCOMPLETE):
            telemetry.texts_deduplicated.add(verdict.texts - verdict.unique_texts)
        return verdict

    def verdict(self, started: float, requests: int) -> DataVerdict:
        reader = self.reader
        self._trim_findings()
        harm = [c for c in CATEGORIES if self.failed_examples[c]] if reader.is_valid else []
        if not reader.is_valid:
            outcome = Outcome.INVALID
            message = (
                f"The training file has {reader.error_count} format "
                f"error{'s' if reader.error_count != 1 else ''}; it was not screened for "
                f"harm. First: {reader.errors[0].reason}. Fix the file and try again."
            )
        elif self.failure is not None:
            outcome = Outcome.ERROR
            message = (
                f"The training data could not be screened: {self.failure}. "
                "It has not passed; try again later."
            )
        elif harm:
            outcome, message = Outcome.FAILED, data_failure_message(harm)
        elif self.images_unscreened:
            outcome = Outcome.INCOMPLETE
            message = (
                "The training data could not be fully evaluated: it holds "
                f"{self.images_unscreened} image{'s' if self.images_unscreened != 1 else ''} "
                "that could not be screened (images at URLs, or an analyzer without image "
                "analysis); nothing else reached the threshold, but the file has not passed."
            )
        else:
            outcome, message = Outcome.PASSED, "The provided training data passed RAI checks."
        screened = outcome in (Outcome.PASSED, Outcome.FAILED, Outcome.INCOMPLETE)
        return DataVerdict(
            verdict=outcome,
            message=message,
            harm_types=tuple(sorted(c.data_name for c in harm)),
            sha256=reader.sha256,
            bytes=reader.bytes_read,
            lines=reader.lines,
            examples=reader.examples,
            texts=self.texts,
            unique_texts=self.analyzed,
            images=reader.images,
            images_unscreened=self.images_unscreened if reader.is_valid else 0,
            format=reader.format,
            failed_examples=dict(self.failed_examples) if screened else {},
            findings=tuple(self.findings) if screened else (),
            findings_total=self.findings_total if screened else 0,
            errors=tuple(reader.errors),
            errors_total=reader.error_count,
            analyzer=self.analyzer.name,
            duration_seconds=time.monotonic() - started,
            warnings=tuple(reader.warnings),
            requests=requests,
        )


async def screen(
    chunks: AsyncIterable[bytes] | Iterable[bytes],
    analyzer: Analyzer,
    *,
    limits: ScreeningLimits = ScreeningLimits(),
    on_progress: Callable[[int], None] | None = None,
) -> DataVerdict:
    """Screen a training file given as chunks of bytes (sync or async iterable).

    ``on_progress`` is called with the bytes read so far after every chunk.
    """
    started = time.monotonic()
    sent_before = _requests_sent(analyzer)
    run = ScreeningRun(analyzer, limits)
    await run.consume(chunks, run.add_line, on_progress=on_progress)
    return run.conclude(started, _requests_sent(analyzer) - sent_before)


def _requests_sent(analyzer: Analyzer) -> int:
    return analyzer.requests if isinstance(analyzer, CountsRequests) else 0


def findings_of(line: int, path: str, severities: Severities) -> Iterator[Finding]:
    """A finding for each category in which a text reaches the threshold."""
    for index, category in enumerate(CATEGORIES):
        if fails_data_threshold(severities[index]):
            yield Finding(line, path, category, severities[index])


def dedupe_key(kind: bytes, content: bytes) -> bytes:
    """The de-duplication key of a text or an image (never equal across kinds)."""
    return hashlib.blake2b(content, digest_size=16, person=kind).digest()


async def _aiter(chunks: AsyncIterable[bytes] | Iterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk
