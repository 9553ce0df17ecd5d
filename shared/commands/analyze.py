"""``analyze``: the four severities of each input line.

Apart from ``scan-data`` because it screens no file: it needs neither the screening
pipeline nor, on the local analyzer, an event loop, and a one-line ``analyze`` is
mostly start-up (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO, Final

from shared.analyzers import Analyzer, AnalyzerError, Severities, create_analyzer
from shared.commands.inputs import open_input
from shared.exitcodes import EXIT_CODES
from shared.policy import Outcome
from shared.trainingdata import CHUNK_SIZE, LineSplitter, RawLine, line_too_long

ANALYZE_BATCH: Final = 64  # lines scored in one call

# Scores a batch of texts: per text its severities, or the error that kept it unscored.
Scorer = Callable[[list[str]], Sequence[Severities | AnalyzerError]]


def analyze(args: argparse.Namespace) -> int:
    """``ftgate analyze``: the four severities of each input line."""
    with open_input(args.file) as stream:
        if args.analyzer == "local":
            # Imported here: the local analyzer scores in this thread, no event loop, and
            # never raises AnalyzerError, so its batch needs no retry text by text.
            from shared.analyzers.local import score_many  # noqa: PLC0415

            return _answer_lines(stream, score_many)
        return _analyze_in_loop(stream, args.analyzer)


def _analyze_in_loop(stream: BinaryIO, analyzer_name: str) -> int:
    """Answer every line with an analyzer that is a network client (Content Safety).

    The event loop runs only while the analyzer works: waiting for input, Ctrl-C
    interrupts at once (``asyncio.run`` would only cancel a task stuck in the read,
    i.e. wait for the next line).
    """
    import asyncio  # noqa: PLC0415 - only the analyzers that are network clients need it

    analyzer = create_analyzer(analyzer_name)
    with asyncio.Runner() as runner:
        runner.run(analyzer.__aenter__())
        try:
            return _answer_lines(stream, lambda texts: runner.run(_score_each(analyzer, texts)))
        finally:
            runner.run(analyzer.__aexit__(None, None, None))


def _answer_lines(stream: BinaryIO, score: Scorer) -> int:
    """Score one text per line and answer every line: its four severities, or an error.

    A line over scan-data's limit is refused unread and a line that is not UTF-8 is
    reported (both exit 2); a line the analyzer could not score gets its reason (exit
    3) and the other lines are still scored.
    """
    status = 0
    for lines in _line_batches(stream):
        for answer, code in _answer(lines, score):
            print(json.dumps(answer))
            status = max(status, code)
        sys.stdout.flush()  # what has arrived is answered before waiting for more
    return status


def _line_batches(stream: BinaryIO) -> Iterator[list[RawLine]]:
    """The input's lines in batches of what one read brought, split as scan-data splits
    them: a line over its limit is counted and dropped, never held."""
    splitter = LineSplitter()
    read = getattr(stream, "read1", stream.read)  # returns what has arrived, not a full chunk
    while chunk := read(CHUNK_SIZE):
        lines = list(splitter.feed(chunk))
        for start in range(0, len(lines), ANALYZE_BATCH):
            yield lines[start : start + ANALYZE_BATCH]
    yield list(splitter.finish())


def _answer(lines: list[RawLine], score: Scorer) -> list[tuple[dict[str, Any], int]]:
    """Each line's answer, with the exit code it calls for."""
    invalid, error = EXIT_CODES[Outcome.INVALID], EXIT_CODES[Outcome.ERROR]
    answers: dict[int, tuple[dict[str, Any], int]] = {}
    texts: dict[int, str] = {}
    for raw in lines:
        if raw.data is None:
            answers[raw.number] = ({"line": raw.number, "error": line_too_long(raw.size)}, invalid)
            continue
        try:
            texts[raw.number] = raw.data.decode("utf-8")
        except UnicodeDecodeError:
            answers[raw.number] = ({"line": raw.number, "error": "not UTF-8"}, invalid)
    scores = score(list(texts.values())) if texts else []
    for number, result in zip(texts, scores, strict=True):
        if isinstance(result, AnalyzerError):
            reason = f"the analyzer could not score it: {result}"
            answers[number] = ({"line": number, "error": reason}, error)
        else:
            answers[number] = ({"line": number, **result.as_dict()}, 0)
    return [answers[raw.number] for raw in lines]


async def _score_each(analyzer: Analyzer, texts: list[str]) -> list[Severities | AnalyzerError]:
    """Every text's severities, or the error that kept it from being scored.

    The batch is sent as one call; only if that fails is each text sent alone, so
    that one text the analyzer refuses (Content Safety answers a blank one with
    HTTP 400) does not cost the others their answers.
    """
    import asyncio  # noqa: PLC0415 - as in _analyze_in_loop

    try:
        return list(await analyzer.analyze(texts)) if texts else []
    except AnalyzerError as exc:
        if len(texts) == 1:
            return [exc]
    alone = await asyncio.gather(*(_score_each(analyzer, [text]) for text in texts))
    return [result for (result,) in alone]
