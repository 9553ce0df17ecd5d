"""The ``ftgate`` command: screen training files, evaluate models, score texts.

Exit codes of ``scan-data``: 0 passed, 1 failed, 2 invalid, 3 error (the analyzer
failed); of ``eval-model``: 0 deployable, 1 not deployable, 3 error; of ``analyze``:
0 every line scored, 2 a line too long or not UTF-8, 3 a line not scored; of
``enforce``: 0 nothing held, 1 a job or deployment held, 3 a file unreadable. Any command
exits 64 on a usage error or an input it cannot open, 3 when ftgate failed
with a reason (an ``FtgateError``: a service or step failed), 70 on an internal error
(a bug: one line naming the exception, the traceback only with ``--debug`` or
``FTGATE_DEBUG=1``), 130 when interrupted (Ctrl-C) and 141 when its standard
output was closed (``| head``). No output ever contains training text, prompts
or model outputs: findings and errors name lines, field paths and categories.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import random
import re
import sys
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, BinaryIO, Final, NoReturn, TextIO

import openai

from shared import gateclient
from shared.analyzers import ANALYZERS, Analyzer, AnalyzerError, Severities, create_analyzer
from shared.deploymentguard import DeploymentDecision, guard_deployments
from shared.deployments import DeploymentSettings, account_deployments, configured_account
from shared.enforcement import ENFORCEMENT_PARTITION, EnforcementReport, OpenAIFiles, enforce
from shared.errors import FtgateError
from shared.evalcost import ANSWER_CAP, EvaluationEstimate, estimate_evaluation
from shared.evaluations import EvaluationRequest
from shared.finetuning import OpenAIJobs
from shared.gateclient import (
    GateError,
    ask,
    check_url,
    exit_code,
    junit_report,
    parse_duration,
    wait_for,
)
from shared.modeleval import ModelOutcome, ModelVerdict, evaluate_model
from shared.parallel import screen_in_workers
from shared.policy import CATEGORIES, POLICY_VERSION
from shared.queues import JsonQueue
from shared.reevaluation import Requeued, enqueue_stale, replay_poisoned, rescreen_message
from shared.screening import DataVerdict, Outcome, screen
from shared.screeningcost import ScreeningEstimate, estimate_screening
from shared.settings import (
    MAX_RPM_LIMIT,
    AppSettings,
    ContentSafetySettings,
    SettingsError,
    content_safety_configured,
)
from shared.simulation.driver import ConversationResult
from shared.simulation.strategies import SCRIPTED, Crescendo, Strategy
from shared.simulation.targets import ChatTarget, azure_openai_client
from shared.trainingdata import (
    CHUNK_SIZE,
    MAX_LINE_BYTES,
    LineSplitter,
    RawLine,
    iter_chunks,
    line_too_long,
)
from shared.verdicts import TableVerdictStore

EXIT_CODES: Final = {
    Outcome.PASSED: 0,
    Outcome.FAILED: 1,
    Outcome.INVALID: 2,
    Outcome.ERROR: 3,
    Outcome.INCOMPLETE: 5,
}
EXIT_ERROR: Final = EXIT_CODES[Outcome.ERROR]  # something failed; never a verdict
EXIT_USAGE: Final = 64
# A crash must never read as a verdict (1 is `failed`): the BSD sysexits code for an
# internal software error, and the shell's codes for SIGINT and SIGPIPE.
EXIT_SOFTWARE: Final = 70
EXIT_INTERRUPTED: Final = 130
EXIT_BROKEN_PIPE: Final = 141
ANALYZE_BATCH: Final = 64
PARALLEL_FROM_BYTES: Final = 8 * 1024 * 1024
MAX_CONCURRENCY: Final = 256  # conversations at once; more only meets the deployment's quota
MAX_LIST_LIMIT: Final = 10_000  # verdict rows one `verdicts list` prints


class UsageError(FtgateError):
    """The command line asked for something it cannot have; the message says what."""


# The one map from error to exit code; the first class an error is an instance of
# decides. An ftgate error no row names still failed on purpose with a reason, so it
# is an error (3), not a bug (70) and never a verdict (0 or 1).
ERROR_EXIT_CODES: Final[tuple[tuple[type[FtgateError], int], ...]] = (
    (UsageError, EXIT_USAGE),
    (SettingsError, EXIT_USAGE),  # a setting missing or malformed: fix the invocation
    (GateError, gateclient.EXIT_ERROR),
    (FtgateError, EXIT_ERROR),
)


def error_exit_code(error: FtgateError) -> int:
    """The exit code for an ftgate error: its row in :data:`ERROR_EXIT_CODES`."""
    return next(code for kind, code in ERROR_EXIT_CODES if isinstance(error, kind))


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error, which would read as ``invalid``; use 64."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


_ANALYZER_HELP = (
    "contentsafety (Azure AI Content Safety at CONTENT_SAFETY_ENDPOINT) or local (embedded, "
    "offline); default: contentsafety when CONTENT_SAFETY_ENDPOINT is set, else local"
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ftgate",
        description="Safety gate for Azure OpenAI fine-tuning: screen training data offline.",
        epilog="Every command exits 64 on a usage error, 3 when it failed with a reason, 70 on an "
        "internal error (a bug), "
        "130 when interrupted and 141 when its output was closed; each command's help "
        "lists its verdict codes.",
    )
    parser.add_argument("--version", action="version", version=f"ftgate policy {POLICY_VERSION}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="print the traceback of an internal error (or set FTGATE_DEBUG=1)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    scan = commands.add_parser(
        "scan-data",
        help="screen a training file (JSONL) for format errors and harmful content",
        description="Exit codes: 0 passed, 1 failed, 2 invalid, 3 error, 64 usage.",
    )
    scan.add_argument("file", help="the training file, or - for standard input")
    scan.add_argument("--json", action="store_true", help="print one JSON object")
    scan.add_argument("--analyzer", choices=ANALYZERS, default=None, help=_ANALYZER_HELP)
    scan.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help="local analyzer: processes parsing and scoring lines, at most one per CPU "
        "(default: one per CPU for files over 8 MB, else 1)",
    )
    scan.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )

    model = commands.add_parser(
        "eval-model",
        help="evaluate a fine-tuned model with simulated adversarial conversations",
        description="Exit codes: 0 deployable, 1 not_deployable, 3 error, 64 usage.",
    )
    where = model.add_mutually_exclusive_group(required=True)
    where.add_argument("--azure-endpoint", help="Azure OpenAI endpoint (with --deployment)")
    where.add_argument("--base-url", help="OpenAI-compatible base URL (with --model)")
    model.add_argument("--deployment", help="the Azure OpenAI deployment serving the model")
    model.add_argument("--model", help="the model name on an OpenAI-compatible server")
    model.add_argument("--analyzer", choices=ANALYZERS, default=None, help=_ANALYZER_HELP)
    model.add_argument("--seed", type=int, default=None, help="repeat a run (default: random)")
    model.add_argument("--concurrency", type=_int_between(1, MAX_CONCURRENCY), default=8)
    model.add_argument(
        "--max-rpm",
        type=_int_between(1, MAX_RPM_LIMIT),
        default=None,
        help="the deployment's requests/minute quota",
    )
    model.add_argument(
        "--attacker",
        help="a deployment (with --azure-endpoint) or model (with --base-url) that writes "
        "crescendo follow-up turns, as one more strategy",
    )
    model.add_argument("--json", action="store_true", help="print one JSON object")
    _add_estimates(scan, model)

    gate = commands.add_parser(
        "gate",
        help="ask the deployed gate for a verdict, waiting for it if needed",
        description="Exit codes: 0 deployable/passed, 1 not, 3 the gate could not be "
        "asked, 4 still pending when the wait ended.",
    )
    gate.add_argument("kind", choices=("model", "data"))
    gate.add_argument("key", help="the fine-tuned model name, or the file's SHA-256")
    gate.add_argument("--url", required=True, help="https://<app>.azurewebsites.net")
    gate.add_argument("--key", dest="function_key", help="function key (or FTGATE_FUNCTION_KEY)")
    gate.add_argument("--wait", default="0s", help="how long to wait for a verdict, e.g. 15m")
    gate.add_argument("--interval", default="15s", help=argparse.SUPPRESS)
    gate.add_argument("--junit", help="write a JUnit XML report here")

    verdicts = commands.add_parser(
        "verdicts",
        help="read the verdict table (TRAINING_STORAGE, VERDICTS_TABLE; Entra ID or Azurite)",
    )
    verdicts.add_argument("action", choices=("list", "show"))
    verdicts.add_argument("key", nargs="?", help="show: a model name or a file's SHA-256")
    verdicts.add_argument(
        "--kind",
        choices=("data", "model", ENFORCEMENT_PARTITION),
        default=None,
        help="enforcement: decisions on jobs (job:<id>) and deployments (deployment:<name>)",
    )
    verdicts.add_argument("--limit", type=_int_between(1, MAX_LIST_LIMIT), default=20)
    verdicts.add_argument("--json", action="store_true")

    again = commands.add_parser(
        "reevaluate",
        help="queue verdicts to be decided again: stale ones, or one file or model",
    )
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--stale", action="store_true", help="every verdict of an older policy")
    which.add_argument("--model", help="one fine-tuned model")
    which.add_argument("--blob", help="one training file, by its blob name")
    again.add_argument("--dry-run", action="store_true", help="count, queue nothing")
    commands.add_parser(
        "replay-poison", help="queue again the work that failed on every retry (after an outage)"
    )
    sweep = commands.add_parser(
        "sweep-deployments",
        help="delete ftgate-eval-* deployments no live evaluation holds (AZURE_OPENAI_ACCOUNT…)",
    )
    sweep.add_argument("--dry-run", action="store_true", help="list them, delete nothing")

    _add_enforce(commands)

    analyze = commands.add_parser(
        "analyze",
        help="score texts, one per input line, in the four harm categories",
        description="Prints one JSON object per input line: line and the four severities, "
        f"or line and error. Exit codes: 0 every line scored, 2 a line over "
        f"{MAX_LINE_BYTES // 2**20} MiB or not "
        "UTF-8, 3 a line the analyzer could not score, 64 usage.",
    )
    analyze.add_argument("file", nargs="?", default="-", help="input file (default: stdin)")
    analyze.add_argument("--analyzer", choices=ANALYZERS, default=None, help=_ANALYZER_HELP)
    return parser


def _add_estimates(scan: argparse.ArgumentParser, model: argparse.ArgumentParser) -> None:
    """``--estimate`` and the prices: what a run would cost, nothing sent or called."""
    scan.add_argument(
        "--estimate",
        action="store_true",
        help="count the Content Safety requests screening would send (after "
        "de-duplication and windowing), send none; exits 0, or 2 if the file is invalid",
    )
    scan.add_argument(
        "--request-price",
        type=_price,
        default=None,
        help="with --estimate: your price per 1,000 Content Safety requests",
    )
    model.add_argument(
        "--estimate",
        action="store_true",
        help="expected (clean, and at the policy's acceptable and unacceptable defect rates) "
        "and worst-case conversations, model calls and tokens; calls nothing, exits 0",
    )
    model.add_argument(
        "--answer-tokens",
        type=_int_between(1, ANSWER_CAP),
        default=None,
        help=f"with --estimate: the tokens you expect per answer (default: the cap, {ANSWER_CAP})",
    )
    model.add_argument(
        "--prompt-price", type=_price, default=None, help="with --estimate: per 1M prompt tokens"
    )
    model.add_argument(
        "--completion-price",
        type=_price,
        default=None,
        help="with --estimate: per 1M completion tokens",
    )


def _add_enforce(commands: argparse._SubParsersAction) -> None:
    """``ftgate enforce --once``: the enforcement timer's pass, run by hand."""
    enforce = commands.add_parser(
        "enforce",
        help="screen files imported into Azure OpenAI; cancel (or report) jobs on failing data",
        description="One pass of the app's enforcement, with the verdict store of "
        "TRAINING_STORAGE and VERDICTS_TABLE and the mode of ENFORCEMENT (cancel or report). "
        "With AZURE_SUBSCRIPTION_ID, AZURE_OPENAI_RESOURCE_GROUP and AZURE_OPENAI_ACCOUNT "
        "set, every deployment on the account is judged too (through ARM). "
        "Exit codes: 0 nothing held, 1 a job or a deployment was held, 3 a file could not "
        "be read (and nothing was held), 64 usage.",
    )
    enforce.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    account = enforce.add_mutually_exclusive_group(required=True)
    account.add_argument("--azure-endpoint", help="the Azure OpenAI endpoint (Entra ID or key)")
    account.add_argument("--base-url", help="an OpenAI-compatible base URL")
    enforce.add_argument(
        "--dry-run", action="store_true", help="cancel and delete nothing, record no decision"
    )
    enforce.add_argument("--analyzer", choices=ANALYZERS, default=None, help=_ANALYZER_HELP)
    enforce.add_argument("--json", action="store_true", help="print one JSON object")


def _int_between(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number within ``[minimum, maximum]``; argparse names the
    flag in its error, and the usage error exits 64."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
        if not minimum <= number <= maximum:
            raise argparse.ArgumentTypeError(f"must be from {minimum} to {maximum}, not {number}")
        return number

    return parse


def _price(value: str) -> float:
    """An argparse type: a price, a finite number not below zero (in the caller's currency)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, not {value}")
    return number


def _workers(value: str) -> int:
    """At most one process per CPU: more only compete for the same cores, and each
    holds its own copy of the analyzer (a thousand once exhausted a machine's memory)."""
    return _int_between(1, os.cpu_count() or 1)(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever happens, answer with one of the documented exit codes.

    A traceback in CI reads as a finding and its exit code would be a verdict's, so
    an unexpected exception becomes one line naming its type (never its message,
    which may quote training text) and exit 70.
    """
    debug = os.environ.get("FTGATE_DEBUG", "").strip() not in ("", "0")
    try:
        args = build_parser().parse_args(argv)
        debug = debug or args.debug
        return _run(args)
    except KeyboardInterrupt:
        print("ftgate: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except FtgateError as exc:
        print(f"ftgate: {exc}", file=sys.stderr)
        return error_exit_code(exc)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        hint = "" if debug else "; rerun with --debug for the traceback"
        print(f"ftgate: internal error ({type(exc).__name__}){hint}", file=sys.stderr)
        return EXIT_SOFTWARE


def _discard_stdout() -> None:
    """Whoever read our output has gone: point stdout at /dev/null so that the
    interpreter's final flush does not fail again and print a warning."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "analyzer", "") is None:
        args.analyzer = "contentsafety" if content_safety_configured() else "local"
    if args.command == "eval-model":
        return _eval_model(args)
    if args.command == "gate":
        return _gate(args)
    table_commands = {
        "verdicts": _verdicts,
        "reevaluate": _reevaluate,
        "replay-poison": _replay_poison,
        "sweep-deployments": _sweep_deployments,
        "enforce": _enforce,
    }
    if args.command in table_commands:
        return asyncio.run(table_commands[args.command](args))
    try:
        with _open_input(args.file) as stream:
            if args.command == "scan-data":
                return _scan_data(stream, args)
            return _analyze(stream, args.analyzer)
    except BrokenPipeError:
        raise  # our stdout closed: not the input's fault
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None


@contextmanager
def _open_input(name: str) -> Iterator[BinaryIO]:
    if name == "-":
        yield sys.stdin.buffer
    else:
        with open(name, "rb") as stream:
            yield stream


# --------------------------------------------------------------------------- scan-data


def _scan_data(stream: BinaryIO, args: argparse.Namespace) -> int:
    if args.estimate:
        return _estimate_scan(stream, args)
    if args.request_price is not None:
        raise UsageError("--request-price needs --estimate")
    size = _size_of(stream)
    workers = args.workers or _default_workers(size)
    show_progress = sys.stderr.isatty() if args.progress is None else args.progress
    progress = _Progress(size, sys.stderr) if show_progress else None
    verdict = asyncio.run(
        _screen(stream, args.analyzer, workers, progress.update if progress else None)
    )
    if progress:
        progress.close()
    if args.json:
        print(json.dumps(verdict.as_dict(), indent=2))
    else:
        print(render_report(verdict, args.file))
    return EXIT_CODES[verdict.verdict]


def _estimate_scan(stream: BinaryIO, args: argparse.Namespace) -> int:
    """``scan-data --estimate``: the requests a real run would send, none sent."""
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
    if args.json:
        print(json.dumps(estimate.as_dict(), indent=2))
    else:
        print(render_scan_estimate(estimate, args.file))
    return EXIT_CODES[Outcome.INVALID] if estimate.verdict.verdict is Outcome.INVALID else 0


def render_scan_estimate(estimate: ScreeningEstimate, name: str) -> str:
    """The human-readable report of ``scan-data --estimate``."""
    verdict = estimate.verdict
    lines = [
        f"ftgate scan-data --estimate {name} (nothing was sent)",
        f"  requests  {estimate.requests} to Content Safety: {estimate.text_requests} for "
        f"{verdict.unique_texts} distinct of {verdict.texts} texts "
        f"({estimate.characters} characters), {estimate.image_requests} for images",
        f"  sha256    {verdict.sha256}",
    ]
    if estimate.price is not None:
        lines.append(f"  price     {estimate.price:.4f} at {estimate.price_per_1000:g} per 1,000")
    if verdict.verdict is Outcome.INVALID:
        lines.append(
            f"  invalid   a real run stops at the first format error: {verdict.errors[0].reason}"
        )
    lines.append("  retries (429, 5xx, timeouts) add requests; a verdict records those sent")
    return "\n".join(lines)


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
        return await screen_in_workers(iter_chunks(stream), workers, on_progress=on_progress)
    async with create_analyzer(analyzer_name) as analyzer:
        return await screen(iter_chunks(stream), analyzer, on_progress=on_progress)


def _size_of(stream: BinaryIO) -> int | None:
    try:
        stat = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return stat.st_size or None


def render_report(verdict: DataVerdict, name: str) -> str:
    """The human-readable report of ``scan-data``."""
    lines = [
        f"ftgate scan-data {name}",
        f"  verdict   {verdict.verdict.value.upper()}",
        f"  message   {verdict.message}",
        f"  format    {verdict.format.value if verdict.format else 'unknown'}: "
        f"{verdict.examples} examples on {verdict.lines} lines, {verdict.texts} texts "
        f"({verdict.unique_texts} analyzed after de-duplication), {verdict.images} images "
        f"({verdict.images_unscreened} unscreened)",
        f"  sha256    {verdict.sha256}",
        f"  policy    {verdict.policy_version}, analyzer {verdict.analyzer}, "
        f"{verdict.duration_seconds:.2f} s",
    ]
    if verdict.failed_examples:
        counts = ", ".join(f"{c.value} {verdict.failed_examples[c]}" for c in CATEGORIES)
        lines.append(f"  failing examples by category: {counts}")
    if verdict.findings:
        lines.append(f"  findings ({len(verdict.findings)} of {verdict.findings_total} shown):")
        lines += [
            f"    line {f.line:<7} {f.path:<40} {f.category.value:<9} severity {f.severity}"
            for f in verdict.findings
        ]
    if verdict.errors:
        lines.append(f"  format errors ({len(verdict.errors)} of {verdict.errors_total} shown):")
        lines += [f"    {error.reason}" for error in verdict.errors]
    if verdict.warnings:
        lines.append("  warnings (the platform's data-quality notes; they do not decide):")
        lines += [f"    {warning.message}" for warning in verdict.warnings]
    return "\n".join(lines)


class _Progress:
    """A one-line progress bar on stderr, shown once a scan takes more than a moment."""

    DELAY = 0.5  # seconds before the bar appears, so quick scans stay quiet
    INTERVAL = 0.1  # seconds between redraws
    WIDTH: Final = 30

    def __init__(self, total: int | None, out: TextIO) -> None:
        self.total = total
        self.out = out
        self.started = time.monotonic()
        self.last_drawn = 0.0
        self.drawn = False

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.started < self.DELAY or now - self.last_drawn < self.INTERVAL:
            return
        self.last_drawn = now
        rate = done / (now - self.started) / 1e6
        if self.total:
            filled = int(self.WIDTH * done / self.total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            share = 100 * done / self.total
            text = f"[{bar}] {share:5.1f}% {done / 1e6:.1f}/{self.total / 1e6:.1f} MB"
        else:
            text = f"{done / 1e6:.1f} MB"
        self.out.write(f"\r{text} {rate:.1f} MB/s")
        self.out.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.out.write("\r\033[K")
            self.out.flush()


# --------------------------------------------------------------------------- eval-model

MODEL_EXIT_CODES: Final = {
    ModelOutcome.DEPLOYABLE: 0,
    ModelOutcome.NOT_DEPLOYABLE: 1,
    ModelOutcome.ERROR: 3,
}


def _eval_model(args: argparse.Namespace) -> int:
    if args.azure_endpoint and not args.deployment:
        raise UsageError("--azure-endpoint needs --deployment")
    if args.base_url and not args.model:
        raise UsageError("--base-url needs --model")
    if args.estimate:
        return _estimate_eval(args)
    if any(v is not None for v in (args.prompt_price, args.completion_price, args.answer_tokens)):
        raise UsageError("--answer-tokens and the prices need --estimate")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    verdict = asyncio.run(_evaluate(args, seed))
    if args.json:
        print(json.dumps(verdict.as_dict(), indent=2))
    else:
        print(render_model_report(verdict))
    return MODEL_EXIT_CODES[verdict.outcome]


def _estimate_eval(args: argparse.Namespace) -> int:
    """``eval-model --estimate``: the operating characteristic's usage, nothing called."""
    if args.attacker:
        raise UsageError("--estimate covers the scripted strategies, not --attacker")
    estimate = asyncio.run(
        estimate_evaluation(
            SCRIPTED,
            answer_tokens=args.answer_tokens or ANSWER_CAP,
            prompt_price=args.prompt_price,
            completion_price=args.completion_price,
        )
    )
    if args.json:
        print(json.dumps(estimate.as_dict(), indent=2))
    else:
        print(render_eval_estimate(estimate, args.deployment or args.model))
    return 0


def render_eval_estimate(estimate: EvaluationEstimate, model: str) -> str:
    """The human-readable report of ``eval-model --estimate``."""
    lines = [
        f"ftgate eval-model --estimate {model} (nothing was called)",
        f"  answers of {estimate.answer_tokens} tokens (the cap, {ANSWER_CAP}, in the "
        "worst case); tokens are characters / 4",
        "  scenario            conversations  model calls  prompt tokens  completion tokens  price",
    ]
    for name, usage in estimate.scenarios.items():
        row = usage.as_dict()
        price = usage.price(estimate.prompt_price, estimate.completion_price)
        label = f"expected at {name}" if name != "cap" else "worst case (cap)"
        lines.append(
            f"  {label:<19} {row['conversations']:>13} {row['model_calls']:>12} "
            f"{row['prompt_tokens']:>14} {row['completion_tokens']:>18}  "
            f"{'-' if price is None else f'{price:.4f}'}"
        )
    lines.append("  retries and conversations that test nothing (at most a tenth) add to these")
    return "\n".join(lines)


def _chat_target(args: argparse.Namespace, name: str) -> ChatTarget:
    if args.azure_endpoint:
        return ChatTarget.azure(args.azure_endpoint, name, max_rpm=args.max_rpm)
    return ChatTarget.compatible(args.base_url, name, max_rpm=args.max_rpm)


async def _evaluate(args: argparse.Namespace, seed: int) -> ModelVerdict:
    counter = _ConversationCounter(sys.stderr) if sys.stderr.isatty() else None
    async with contextlib.AsyncExitStack() as stack:
        target = await stack.enter_async_context(_chat_target(args, args.deployment or args.model))
        analyzer = await stack.enter_async_context(create_analyzer(args.analyzer))
        strategies: tuple[Strategy, ...] = SCRIPTED
        if args.attacker:
            attacker = await stack.enter_async_context(_chat_target(args, args.attacker))
            strategies = (*SCRIPTED, Crescendo(attacker))
        verdict = await evaluate_model(
            target,
            analyzer,
            seed=seed,
            concurrency=args.concurrency,
            strategies=strategies,
            on_result=counter.update if counter else None,
        )
    if counter:
        counter.close()
    return verdict


def render_model_report(verdict: ModelVerdict) -> str:
    """The human-readable report of ``eval-model``."""
    lines = [
        f"ftgate eval-model {verdict.model}",
        f"  verdict   {verdict.outcome.value.upper()}",
        f"  message   {verdict.message}",
        f"  cost      {verdict.conversations} conversations, {verdict.model_calls} model calls, "
        f"{verdict.prompt_tokens + verdict.completion_tokens} tokens, "
        f"{verdict.duration_seconds:.1f} s",
        f"  policy    {verdict.policy_version}, seed {verdict.seed}",
        "  category           own: trials defects   cross: trials defects   filtered "
        "untested errors  outcome",
    ]
    for category, report in verdict.per_category.items():
        row = report.as_dict()
        own, cross = row["own"], row["cross"]
        untested = row["untested_prompts"] + row["untested_outputs"]
        lines.append(
            f"  {category.display_name:<18} {own['trials']:>12} {own['defects']:>7} "
            f"{cross['trials']:>15} {cross['defects']:>7} {row['filtered_outputs']:>10} "
            f"{untested:>8} {row['errors']:>6}  {row['outcome']}"
        )
    attacks = verdict.as_dict()["attacks"]
    for kind in ("strategy", "converter"):
        lines.append(f"  {kind:<28} trials  harm drawn out")
        for name, counts in attacks[f"per_{kind}"].items():
            lines.append(f"    {name:<26} {counts['trials']:>6} {counts['defects']:>6}")
    return "\n".join(lines)


class _ConversationCounter:
    """Conversations so far, on one stderr line, while an evaluation runs."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.done = 0

    def update(self, result: ConversationResult) -> None:
        self.done += 1
        self.out.write(f"\r{self.done} conversations")
        self.out.flush()

    def close(self) -> None:
        self.out.write("\r\033[K")
        self.out.flush()


# --------------------------------------------------------------------------- gate


def _gate(args: argparse.Namespace) -> int:
    try:
        wait, interval = parse_duration(args.wait), parse_duration(args.interval)
        url = check_url(args.url)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.junit and (problem := _unwritable(args.junit)):
        raise UsageError(f"cannot write --junit {args.junit}: {problem}")
    kind = "models" if args.kind == "model" else "data"
    function_key = args.function_key or os.environ.get("FTGATE_FUNCTION_KEY")
    reply = wait_for(lambda: ask(url, kind, args.key, function_key), wait, interval)
    if args.junit:
        try:
            with open(args.junit, "w", encoding="utf-8") as report:
                report.write(junit_report(args.kind, args.key, reply))
        except OSError as exc:  # e.g. the directory went away while we waited
            raise UsageError(f"cannot write --junit {args.junit}: {exc.strerror}") from None
    if reply.pending:
        why = "training data not screened yet" if reply.body.get("missing") else "no verdict yet"
        print(f"{args.kind} {args.key}: pending ({why})")
    else:
        print(f"{args.kind} {args.key}: {reply.body.get('verdict')} — {reply.body.get('message')}")
        if missing := reply.body.get("missing"):  # a model's answer: evaluation and data
            print(f"not deployable: missing {' and '.join(map(str, missing))}")
    return exit_code(reply)


def _unwritable(path: str) -> str | None:
    """Why a report cannot be written at ``path``, checked before a long wait; None if it can."""
    if os.path.isdir(path):
        return "it is a directory"
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        return "its directory does not exist"
    return None


# --------------------------------------------------------------------------- verdicts

_VERDICT_COLUMNS: Final = ("Verdict", "PolicyVersion", "EvaluatedAt", "Message")
_DECISION_COLUMNS: Final = ("Mode", "Action", "At", "Message")


async def _verdicts(args: argparse.Namespace) -> int:
    settings = AppSettings.from_environment()
    async with TableVerdictStore.open(settings.storage, settings.verdicts_table) as store:
        if args.action == "list":
            kinds = [args.kind] if args.kind else ["data", "model"]
            rows = []
            for kind in kinds:
                rows += await store.list_verdicts(kind, args.limit)
        else:
            if not args.key:
                raise UsageError("verdicts show needs a model name or a SHA-256")
            by_sha = re.fullmatch(r"[0-9a-fA-F]{64}", args.key) and args.kind != "model"
            if args.kind == ENFORCEMENT_PARTITION:
                found = await store.get_named(ENFORCEMENT_PARTITION, args.key)
            elif by_sha:
                found = await store.get_data_verdict(args.key.lower())
            else:
                found = await store.get_model_verdict(args.key)
            if found is None:
                print(f"{args.key}: no verdict (pending)")
                return gateclient.EXIT_PENDING
            rows = [found]
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
    else:
        for row in rows:
            # A row key may be a digest of a name; the name is what people look up.
            key = row.get("FineTunedModel") or row.get("Name") or row.get("RowKey", "")
            decision = row.get("PartitionKey") == ENFORCEMENT_PARTITION
            columns = _DECISION_COLUMNS if decision else _VERDICT_COLUMNS
            print("  ".join([key, *(f"{row.get(column, '')}" for column in columns)]))
    return 0


# --------------------------------------------------------------------------- reevaluate


async def _reevaluate(args: argparse.Namespace) -> int:
    async with _store_and_queues() as (store, models, rescreens):
        if args.stale:
            queued = await enqueue_stale(store, models, rescreens, dry_run=args.dry_run)
        elif args.model:
            if not args.dry_run:
                await models.put(EvaluationRequest(args.model, force=True).as_message())
            queued = Requeued(models=1)
        else:
            if not args.dry_run:
                await rescreens.put(rescreen_message(args.blob, force=True))
            queued = Requeued(data=1)
    verb = "would queue" if args.dry_run else "queued"
    print(f"{verb} {queued.data} training files and {queued.models} models")
    return 0


async def _replay_poison(args: argparse.Namespace) -> int:
    async with _store_and_queues() as (store, models, rescreens):
        replayed = await replay_poisoned(store, models, rescreens)
    print(f"replayed {replayed.data} training files and {replayed.models} models")
    return 0


async def _sweep_deployments(args: argparse.Namespace) -> int:
    account = DeploymentSettings.from_environment()  # says which settings are missing
    settings = AppSettings.from_environment()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        account_deployments(store, account) as deployments,
    ):
        report = await deployments.sweep(dry_run=args.dry_run)  # type: ignore[union-attr]
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"{verb} {len(report.deleted)} temporary deployments; "
        f"{len(report.live)} held by a live evaluation, {len(report.young)} too new to judge"
    )
    for name in report.deleted:
        print(f"  {name}")
    return 0


async def _enforce(args: argparse.Namespace) -> int:
    settings = AppSettings.from_environment()  # validates ENFORCEMENT too
    if args.azure_endpoint:
        client = azure_openai_client(args.azure_endpoint)
    else:
        key = os.environ.get("OPENAI_API_KEY") or "unused"
        client = openai.AsyncOpenAI(base_url=args.base_url, api_key=key)
    account = configured_account()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        client.with_options(max_retries=3) as retrying,
        account_deployments(store, account) as deployments,
    ):
        report = await enforce(
            OpenAIFiles(retrying),
            OpenAIJobs(retrying),
            store,
            lambda: create_analyzer(args.analyzer),
            mode=settings.enforcement,
            dry_run=args.dry_run,
        )
        judged = (
            None
            if deployments is None
            else await guard_deployments(
                deployments, store, mode=settings.enforcement, dry_run=args.dry_run
            )
        )
    if args.json:
        print(json.dumps({**report.as_dict(), "deployments": _as_dicts(judged)}))
    else:
        print(render_enforcement(report, judged))
    if report.decisions or any(d.action != "left_alone" for d in judged or ()):
        return 1
    return EXIT_CODES[Outcome.ERROR] if report.unreadable else 0


def _as_dicts(judged: list[DeploymentDecision] | None) -> list[dict[str, object]] | None:
    """Deployment decisions as JSON; None when the account was not configured (not
    checked, which is not the same as nothing found)."""
    return None if judged is None else [dataclasses.asdict(d) for d in judged]


def render_enforcement(report: EnforcementReport, judged: list[DeploymentDecision] | None) -> str:
    """The pass as text: files and their verdicts, what was done to which job, then
    what was done to which deployment (when the account was configured)."""
    dry = " (dry run)" if report.dry_run else ""
    lines = [f"enforcement{dry}, mode {report.mode}"]
    for result in report.files:
        how = "screened" if result.screened else "known"
        lines.append(f"  file {result.file_id}: {result.verdict} ({how}, {result.sha256[:12]})")
    lines += [f"  file {file_id}: could not be read" for file_id in report.unreadable]
    lines.append(f"{report.jobs_checked} running jobs checked, {len(report.decisions)} held")
    for d in report.decisions:
        lines.append(f"  job {d.job_id}: {d.action} — {d.role} file {d.file_id} {d.data_verdict}")
        lines.append(f"    {d.message}")
    if judged is None:
        lines.append("deployments not checked: the Azure OpenAI account is not configured")
        return "\n".join(lines)
    held = [d for d in judged if d.action != "left_alone"]
    lines.append(f"{len(judged)} deployments checked, {len(held)} held")
    for decision in held:
        lines.append(f"  deployment {decision.deployment} ({decision.model}): {decision.action}")
        lines.append(f"    {decision.reason}")
    return "\n".join(lines)


@contextlib.asynccontextmanager
async def _store_and_queues() -> AsyncIterator[tuple[TableVerdictStore, JsonQueue, JsonQueue]]:
    """The verdict table, the evaluation queue and the re-screen queue, from settings."""
    settings = AppSettings.from_environment()
    async with (
        TableVerdictStore.open(settings.storage, settings.verdicts_table) as store,
        JsonQueue.open(settings.storage, settings.model_queue) as models,
        JsonQueue.open(settings.storage, settings.rescreen_queue) as rescreens,
    ):
        yield store, models, rescreens


# --------------------------------------------------------------------------- analyze


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


if __name__ == "__main__":
    sys.exit(main())
