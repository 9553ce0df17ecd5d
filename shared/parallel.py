"""Screening on the local analyzer with worker processes that do the heavy lifting.

:func:`shared.screening.screen` with a multi-process analyzer parses every line
in the parent and ships texts to the workers, so the parent caps throughput.
Here the parent only cuts the byte stream into lines, hashes it and hands the
workers batches of raw lines (bytes); each worker parses, validates, extracts
and scores its batch and sends back what the verdict needs of each line: a
format error, or the line's facts, its worst severity per category and its
findings. The parent merges the batches in line order into the same reader and
screening state as the serial path, so the verdict, findings, line numbers,
errors and warnings are those :func:`~shared.screening.screen` gives.

The file's format settles how an ambiguous line is read, and it is the first
valid line's: lines are parsed in the parent until one is valid, and every batch
carries the format from then on. Each worker de-duplicates the texts it sees
(the same bounded cache as the serial path), so ``unique_texts`` counts texts
analyzed across the workers and may exceed the serial figure. Memory stays
flat: at most two batches per worker are in flight.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterable, Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Final

from shared.analyzers.base import Severities
from shared.analyzers.local import LocalAnalyzer, score_many
from shared.policy import CATEGORIES
from shared.screening import (
    DataVerdict,
    JudgedExample,
    ScreeningLimits,
    ScreeningRun,
    dedupe_key,
    findings_of,
)
from shared.trainingdata import (
    MAX_LINE_BYTES,
    DataFormat,
    Example,
    FormatError,
    LineFacts,
    RawLine,
    read_line,
)

BATCH_BYTES: Final = 256 * 1024  # raw line bytes per batch handed to a worker
BATCHES_PER_WORKER: Final = 2  # in flight: one being worked on, one waiting
_DEFAULT_LIMITS: Final = ScreeningLimits()

# (line number, bytes or None when too long, size): a RawLine, cheaper to pickle.
_Line = tuple[int, bytes | None, int]
_Outcome = FormatError | tuple[LineFacts, JudgedExample]

_cache: OrderedDict[bytes, Severities] = OrderedDict()  # a worker's own de-duplication


_PR_SET_PDEATHSIG: Final = 1  # from <linux/prctl.h>
_PARENT_POLL_SECONDS: Final = 1.0


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker as soon as ``parent`` (its pool's owner) dies.

    A parent killed outright (SIGKILL, the OOM killer) cannot shut its pool down, and
    its workers, blocked on a task queue whose write end they hold themselves, would
    wait forever. Linux has the kernel kill the worker with its parent; elsewhere a
    thread watches for the worker being handed to a new parent.
    """
    if not _kill_me_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before we were armed
        os._exit(1)


def _kill_me_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; whether it agreed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _judge_batch(
    lines: list[_Line], expected: DataFormat, cache_size: int
) -> tuple[list[_Outcome], int]:
    """In a worker: each line's outcome, in order, and how many texts were analyzed."""
    parsed: list[FormatError | tuple[RawLine, Example, list[bytes]]] = []
    known: dict[bytes, Severities] = {}  # this batch's texts: from the cache or scored now
    new: dict[bytes, str] = {}
    for number, data, size in lines:
        raw = RawLine(number, data, size)
        example = read_line(raw, MAX_LINE_BYTES, expected)
        if isinstance(example, FormatError):
            parsed.append(example)
            continue
        keys = [
            dedupe_key(b"text", item.text.encode("utf-8", "surrogatepass"))
            for item in example.texts
        ]
        for key, item in zip(keys, example.texts, strict=True):
            if key in known or key in new:
                continue
            if (cached := _cache.get(key)) is not None:
                _cache.move_to_end(key)
                known[key] = cached
            else:
                new[key] = item.text
        parsed.append((raw, example, keys))
    for key, severities in zip(new, score_many(list(new.values())), strict=True):
        known[key] = _cache[key] = severities
        if len(_cache) > cache_size:
            _cache.popitem(last=False)
    return [_outcome(item, known) for item in parsed], len(new)


def _outcome(
    item: FormatError | tuple[RawLine, Example, list[bytes]], known: dict[bytes, Severities]
) -> _Outcome:
    if isinstance(item, FormatError):
        return item
    raw, example, keys = item
    worst = [0] * len(CATEGORIES)
    findings = []
    for key, text in zip(keys, example.texts, strict=True):
        severities = known[key]
        if any(severities):  # as in ScreeningRun._resolve: a text scored 0 changes nothing
            findings += findings_of(example.line, text.path, severities)
            worst = list(map(max, worst, severities))
    judged = JudgedExample(
        example.line, len(example.texts), example.images, tuple(worst), tuple(findings)
    )
    return LineFacts.of(raw, example), judged


class _Batches:
    """Raw lines batched out to the workers, and their outcomes merged back in order."""

    def __init__(self, run: ScreeningRun, pool: ProcessPoolExecutor, workers: int) -> None:
        self.run = run
        self.pool = pool
        self.most_in_flight = BATCHES_PER_WORKER * workers
        self.lines: list[_Line] = []
        self.size = 0
        self.pending: deque[tuple[asyncio.Future[tuple[list[_Outcome], int]], list[_Line]]] = (
            deque()
        )

    async def add(self, raw: RawLine) -> None:
        """Batch a line, or read it here: before the file's format is known (it settles
        how later lines read), and once screening stopped (then only counts remain)."""
        if self.run.reader.format is None or not self.run.screening:
            await self.finish()  # earlier lines are counted first: counts stay in line order
            await self.run.add_line(raw)
            return
        self.lines.append((raw.number, raw.data, raw.size))
        self.size += len(raw.data or b"")
        if self.size >= BATCH_BYTES:
            await self._send()

    async def finish(self) -> None:
        """Send the partial batch and merge every outcome still to come."""
        await self._send()
        while self.pending:
            await self._merge()

    async def _send(self) -> None:
        if self.lines:
            loop = asyncio.get_running_loop()
            try:
                future = loop.run_in_executor(
                    self.pool,
                    _judge_batch,
                    self.lines,
                    self.run.reader.format,
                    self.run.limits.dedupe_cache_size,
                )
            except BrokenProcessPool as exc:  # a worker died since the last batch went out
                future = loop.create_future()  # failed like a batch sent before: _merge
                future.set_exception(exc)
            self.pending.append((future, self.lines))
            self.lines, self.size = [], 0
        while len(self.pending) >= self.most_in_flight:
            await self._merge()

    async def _merge(self) -> None:
        future, lines = self.pending.popleft()
        run, reader = self.run, self.run.reader
        try:
            outcomes, analyzed = await future
        except Exception as exc:  # a worker died (killed, out of memory): fail closed
            if run.screening:
                run.stop(f"the analyzer failed unexpectedly ({type(exc).__name__})")
            for line in lines:  # still counted and validated, here
                reader.parse(RawLine(*line))
            return
        run.analyzed += analyzed
        for outcome in outcomes:
            if isinstance(outcome, FormatError):
                reader.refuse(outcome)
            elif reader.accept(outcome[0]):
                run.add_judged(outcome[1])


async def screen_in_workers(
    chunks: AsyncIterable[bytes] | Iterable[bytes],
    workers: int,
    *,
    limits: ScreeningLimits = _DEFAULT_LIMITS,
    on_progress: Callable[[int], None] | None = None,
) -> DataVerdict:
    """Screen a training file on the local analyzer in ``workers`` processes; the
    verdict :func:`shared.screening.screen` would give (see the module docstring)."""
    started = time.monotonic()
    async with LocalAnalyzer() as analyzer:  # models loaded before the fork: workers share them
        analyzer.load_all()  # and the rules compiled, the encoder's model mapped
        run = ScreeningRun(analyzer, limits)
        pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        )
        batches = _Batches(run, pool, workers)
        try:
            await run.consume(chunks, batches.add, settle=batches.finish, on_progress=on_progress)
        finally:
            pool.shutdown(cancel_futures=True)
    return run.conclude(started, requests=0)  # the local analyzer sends nothing
