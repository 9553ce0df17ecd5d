"""``scan-data`` and ``analyze``: the commands that read training data or texts."""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from shared.analyzers import Analyzer, AnalyzerError, Severities, create_analyzer
from shared.exitcodes import (
    EXIT_CODES,
    EXIT_USAGE,
    UsageError,
)
from shared.progress import Progress
from shared.reports import (
    markdown_report,
    render_report,
    render_scan_estimate,
)
from shared.screening import DataVerdict, Outcome, screen
from shared.settings import (
    ContentSafetySettings,
    content_safety_configured,
)
from shared.trainingdata import (
    CHUNK_SIZE,
    LineSplitter,
    RawLine,
    iter_chunks,
    line_too_long,
)

if TYPE_CHECKING:
    from shared.sarif import SarifLog

ANALYZE_BATCH: Final = 64  # lines scored in one call
PARALLEL_FROM_BYTES: Final = 8 * 1024 * 1024  # below this, starting workers is not worth it
# Exit codes from worst to best, for several files: usage (unreadable), error, invalid,
# incomplete, failed, passed.
_WORST_FIRST: Final = (
    EXIT_USAGE,
    *(EXIT_CODES[o] for o in (Outcome.ERROR, Outcome.INVALID, Outcome.INCOMPLETE)),
    *(EXIT_CODES[o] for o in (Outcome.FAILED, Outcome.PASSED)),
)


@contextmanager
def _input(name: str) -> Iterator[BinaryIO]:
    """The named file (``-``: standard input); one that cannot be read is a usage error."""
    try:
        if name == "-":
            yield sys.stdin.buffer
        else:
            with open(name, "rb") as stream:
                yield stream
    except BrokenPipeError:
        raise  # our stdout closed: not the input's fault
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from None


def scan_data(args: argparse.Namespace) -> int:
    """``ftgate scan-data``: each file's verdict and report; the worst exit code.

    One file is screened as before. With several (a pre-commit hook passes every
    changed file), a file that cannot be read is reported and the others are still
    screened; the exit code is the worst of theirs, so one file's pass never hides
    another's failure, format error or error. With ``--format sarif`` every file's
    results go into one log, printed once all are screened.
    """
    if args.estimate and args.format in ("markdown", "sarif"):
        raise UsageError(f"--format {args.format} reports a verdict; --estimate has none")
    names = _expand(args.file)
    sarif = _sarif_log() if args.format == "sarif" else None
    if len(names) == 1:
        with _input(names[0]) as stream:
            code = _scan_data(stream, args, names[0], sarif=sarif)
    else:
        codes = []
        for name in names:
            try:
                with _input(name) as stream:
                    codes.append(_scan_data(stream, args, name, several=True, sarif=sarif))
            except UsageError as exc:  # this file only; a bug still stops everything (70)
                print(f"ftgate: {exc}", file=sys.stderr)
                if sarif is not None:
                    sarif.unreadable(str(exc))
                codes.append(EXIT_USAGE)
            sys.stdout.flush()
        code = worst(codes)
    if sarif is not None:
        print(json.dumps(sarif.as_dict(), indent=2))
    return code


def _sarif_log() -> SarifLog:
    """An empty log; imported here, as only ``--format sarif`` needs it."""
    from shared.sarif import SarifLog  # noqa: PLC0415

    return SarifLog(Path.cwd())


def _print_json(report: dict[str, Any], name: str, several: bool) -> None:
    """One file: one indented object, as ever. Several: one object per line (JSON
    Lines), each naming its file."""
    print(json.dumps({"file": name, **report}) if several else json.dumps(report, indent=2))


def worst(codes: list[int]) -> int:
    """The exit code that says most is wrong: what could not be read or screened first,
    then what is invalid, incomplete, failed, and a pass only if every file passed."""
    return min(codes, key=_WORST_FIRST.index)


def _expand(patterns: list[str]) -> list[str]:
    """Files and globs (quoted, so that ftgate expands them the same on every shell),
    each file once, in the order given; a glob that matches nothing is a usage error."""
    if "-" in patterns and len(patterns) > 1:
        raise UsageError("- (standard input) cannot be screened with other files")
    names: dict[str, None] = {}
    for pattern in patterns:
        if glob.has_magic(pattern) and not os.path.exists(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                raise UsageError(f"no file matches {pattern}")
            names.update(dict.fromkeys(matches))
        else:
            names[pattern] = None
    return list(names)


def analyze(args: argparse.Namespace) -> int:
    """``ftgate analyze``: the four severities of each input line."""
    with _input(args.file) as stream:
        return _analyze(stream, args.analyzer)


def _scan_data(
    stream: BinaryIO,
    args: argparse.Namespace,
    name: str,
    *,
    several: bool = False,
    sarif: SarifLog | None = None,
) -> int:
    if args.estimate:
        return _estimate_scan(stream, args, name, several=several)
    if args.request_price is not None:
        raise UsageError("--request-price needs --estimate")
    size = _size_of(stream)
    workers = args.workers or _default_workers(size)
    show_progress = sys.stderr.isatty() if args.progress is None else args.progress
    progress = Progress(size, sys.stderr) if show_progress else None
    verdict = asyncio.run(
        _screen(stream, args.analyzer, workers, progress.update if progress else None)
    )
    if progress:
        progress.close()
    if sarif is not None:
        sarif.add(name, verdict)
    elif args.format == "json":
        _print_json(verdict.as_dict(), name, several)
    elif args.format == "markdown":
        print(markdown_report(verdict, name))
    else:
        print(render_report(verdict, name))
    return EXIT_CODES[verdict.verdict]


def _estimate_scan(
    stream: BinaryIO, args: argparse.Namespace, name: str, *, several: bool = False
) -> int:
    """``scan-data --estimate``: the requests a real run would send, none sent."""
    # Imported here: counting Content Safety's requests loads its SDK's windowing.
    from shared.screeningcost import estimate_screening  # noqa: PLC0415

    origins = (
        ContentSafetySettings.from_environment().image_origins
        if content_safety_configured()
        else frozenset()
    )
    estimate = asyncio.run(
        estimate_screening(
            iter_chunks(stream), image_origins=origins, price_per_1000=args.request_price
        )
    )
    if args.format == "json":
        _print_json(estimate.as_dict(), name, several)
    else:
        print(render_scan_estimate(estimate, name))
    return EXIT_CODES[Outcome.INVALID] if estimate.verdict.verdict is Outcome.INVALID else 0


def _default_workers(size: int | None) -> int:
    """Every CPU for a large or unknown-size input; starting processes isn't worth it
    for a small one."""
    if size is not None and size < PARALLEL_FROM_BYTES:
        return 1
    return os.cpu_count() or 1


async def _screen(
    stream: BinaryIO,
    analyzer_name: str,
    workers: int,
    on_progress: Callable[[int], None] | None,
) -> DataVerdict:
    if analyzer_name == "local" and workers > 1:  # the workers parse as well as score
        # Imported here: multiprocessing is start-up time `analyze` need not pay.
        from shared.parallel import screen_in_workers  # noqa: PLC0415

        return await screen_in_workers(iter_chunks(stream), workers, on_progress=on_progress)
    async with create_analyzer(analyzer_name) as analyzer:
        return await screen(iter_chunks(stream), analyzer, on_progress=on_progress)


def _size_of(stream: BinaryIO) -> int | None:
    try:
        stat = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return stat.st_size or None


def _analyze(stream: BinaryIO, analyzer_name: str) -> int:
    """Score one text per line and answer every line: its four severities, or an error.

    A line over scan-data's limit is refused unread and a line that is not UTF-8 is
    reported (both exit 2); a line the analyzer could not score gets its reason (exit
    3) and the other lines are still scored. The event loop runs only while the
    analyzer works: waiting for input, Ctrl-C interrupts at once (``asyncio.run``
    would only cancel a task stuck in the read, i.e. wait for the next line).
    """
    status = 0
    analyzer = create_analyzer(analyzer_name)
    with asyncio.Runner() as runner:
        runner.run(analyzer.__aenter__())
        try:
            for lines in _line_batches(stream):
                for answer, code in runner.run(_answer(analyzer, lines)):
                    print(json.dumps(answer))
                    status = max(status, code)
                sys.stdout.flush()  # what has arrived is answered before waiting for more
        finally:
            runner.run(analyzer.__aexit__(None, None, None))
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


async def _answer(analyzer: Analyzer, lines: list[RawLine]) -> list[tuple[dict[str, Any], int]]:
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
    scores = await _score_each(analyzer, list(texts.values()))
    for number, score in zip(texts, scores, strict=True):
        if isinstance(score, AnalyzerError):
            reason = f"the analyzer could not score it: {score}"
            answers[number] = ({"line": number, "error": reason}, error)
        else:
            answers[number] = ({"line": number, **score.as_dict()}, 0)
    return [answers[raw.number] for raw in lines]


async def _score_each(analyzer: Analyzer, texts: list[str]) -> list[Severities | AnalyzerError]:
    """Every text's severities, or the error that kept it from being scored.

    The batch is sent as one call; only if that fails is each text sent alone, so
    that one text the analyzer refuses (Content Safety answers a blank one with
    HTTP 400) does not cost the others their answers.
    """
    try:
        return list(await analyzer.analyze(texts)) if texts else []
    except AnalyzerError as exc:
        if len(texts) == 1:
            return [exc]
    alone = await asyncio.gather(*(_score_each(analyzer, [text]) for text in texts))
    return [result for (result,) in alone]
