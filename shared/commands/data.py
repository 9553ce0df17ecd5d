"""``scan-data``: the command that screens training files."""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from shared.analyzers import create_analyzer
from shared.commands.inputs import open_input
from shared.exitcodes import EXIT_CODES, EXIT_USAGE, UsageError
from shared.progress import Progress
from shared.reports import (
    markdown_report,
    render_report,
    render_scan_estimate,
)
from shared.screening import DataVerdict, Outcome, screen
from shared.settings import ContentSafetySettings, content_safety_configured
from shared.trainingdata import iter_chunks

if TYPE_CHECKING:
    from shared.sarif import SarifLog

PARALLEL_FROM_BYTES: Final = 8 * 1024 * 1024  # below this, starting workers is not worth it
# Exit codes from worst to best, for several files: usage (unreadable), error, invalid,
# incomplete, failed, passed.
_WORST_FIRST: Final = (
    EXIT_USAGE,
    *(EXIT_CODES[o] for o in (Outcome.ERROR, Outcome.INVALID, Outcome.INCOMPLETE)),
    *(EXIT_CODES[o] for o in (Outcome.FAILED, Outcome.PASSED)),
)


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
        with open_input(names[0]) as stream:
            code = _scan_data(stream, args, names[0], sarif=sarif)
    else:
        codes = []
        for name in names:
            try:
                with open_input(name) as stream:
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
        # Imported here: multiprocessing is start-up time a small file need not pay.
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
