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
import contextlib
import importlib
import inspect
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Final, NoReturn

from shared.analyzers import ANALYZERS
from shared.errors import FtgateError
from shared.exitcodes import (
    ERROR_EXIT_CODES,
    EXIT_BROKEN_PIPE,
    EXIT_CODES,
    EXIT_INTERRUPTED,
    EXIT_SOFTWARE,
    EXIT_USAGE,
    UsageError,
    error_exit_code,
)
from shared.policy import MAX_ANSWER_TOKENS, POLICY_VERSION, Outcome
from shared.settings import MAX_RPM_LIMIT, content_safety_configured
from shared.trainingdata import MAX_LINE_BYTES

__all__ = [
    "ERROR_EXIT_CODES",
    "EXIT_BROKEN_PIPE",
    "EXIT_CODES",
    "EXIT_INTERRUPTED",
    "EXIT_SOFTWARE",
    "EXIT_USAGE",
    "Outcome",
    "UsageError",
    "build_parser",
    "main",
]

# The verdict table's partitions `verdicts --kind` reads (shared.enforcement names the
# last; importing it here would load the OpenAI SDK for every command).
VERDICT_KINDS: Final = ("data", "model", "enforcement")
MAX_CONCURRENCY: Final = 256  # conversations at once; more only meets the deployment's quota


MAX_LIST_LIMIT: Final = 10_000  # verdict rows one `verdicts list` prints


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
    scan.set_defaults(handler=_lazy("shared.commands.data", "scan_data"))
    scan.add_argument(
        "file",
        nargs="+",
        help="training files or quoted globs (e.g. 'data/**/*.jsonl'), or - for standard input; "
        "several: one verdict each, the worst exit code",
    )
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
    model.set_defaults(handler=_lazy("shared.commands.model", "eval_model"))
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
        "crescendo follow-up turns, as one more strategy, and translates the objectives "
        "for the language converters",
    )
    _add_format(scan, ("text", "json", "markdown", "sarif"))
    _add_format(model, ("text", "json", "markdown"))
    _add_estimates(scan, model)

    gate = commands.add_parser(
        "gate",
        help="ask the deployed gate for a verdict, waiting for it if needed",
        description="Exit codes: 0 deployable/passed, 1 not, 3 the gate could not be "
        "asked, 4 still pending when the wait ended.",
    )
    gate.set_defaults(handler=_lazy("shared.commands.gate", "gate"))
    gate.add_argument("kind", choices=("model", "data"))
    gate.add_argument("key", help="the fine-tuned model name, or the file's SHA-256")
    gate.add_argument("--url", required=True, help="https://<app>.azurewebsites.net")
    gate.add_argument("--key", dest="function_key", help="function key (or FTGATE_FUNCTION_KEY)")
    gate.add_argument("--wait", default="0s", help="how long to wait for a verdict, e.g. 15m")
    gate.add_argument("--interval", default="15s", help=argparse.SUPPRESS)
    gate.add_argument("--junit", help="write a JUnit XML report here")

    _add_store_commands(commands)
    _add_enforce(commands)

    analyze = commands.add_parser(
        "analyze",
        help="score texts, one per input line, in the four harm categories",
        description="Prints one JSON object per input line: line and the four severities, "
        f"or line and error. Exit codes: 0 every line scored, 2 a line over "
        f"{MAX_LINE_BYTES // 2**20} MiB or not "
        "UTF-8, 3 a line the analyzer could not score, 64 usage.",
    )
    analyze.set_defaults(handler=_lazy("shared.commands.analyze", "analyze"))
    analyze.add_argument("file", nargs="?", default="-", help="input file (default: stdin)")
    analyze.add_argument("--analyzer", choices=ANALYZERS, default=None, help=_ANALYZER_HELP)
    return parser


_FORMAT_HELP: Final = {
    "markdown": "a short summary for a GitHub job summary or an Azure DevOps pipeline "
    "summary (##vso[task.uploadsummary])",
    "sarif": "findings and format errors as SARIF 2.1.0, one log for every file, for "
    "GitHub code scanning or Azure DevOps",
}


def _add_format(command: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """``--format`` (and ``--json``, its old spelling) of the commands that give a verdict."""
    command.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        help="print one JSON object (the same as --format json)",
    )
    command.add_argument(
        "--format",
        choices=formats,
        default="text",
        help="; ".join(f"{f}: {_FORMAT_HELP[f]}" for f in formats if f in _FORMAT_HELP),
    )


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
        type=_int_between(1, MAX_ANSWER_TOKENS),
        default=None,
        help="with --estimate: the tokens you expect per answer "
        f"(default: the cap, {MAX_ANSWER_TOKENS})",
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


def _add_store_commands(commands: argparse._SubParsersAction) -> None:
    """The commands on the verdict table and queues (TRAINING_STORAGE and its names)."""
    verdicts = commands.add_parser(
        "verdicts",
        help="read the verdict table (TRAINING_STORAGE, VERDICTS_TABLE; Entra ID or Azurite)",
    )
    verdicts.set_defaults(handler=_lazy("shared.commands.store", "verdicts"))
    verdicts.add_argument("action", choices=("list", "show"))
    verdicts.add_argument("key", nargs="?", help="show: a model name or a file's SHA-256")
    verdicts.add_argument(
        "--kind",
        choices=VERDICT_KINDS,
        default=None,
        help="enforcement: decisions on jobs (job:<id>) and deployments (deployment:<name>)",
    )
    verdicts.add_argument("--limit", type=_int_between(1, MAX_LIST_LIMIT), default=20)
    verdicts.add_argument("--json", action="store_true")

    again = commands.add_parser(
        "reevaluate",
        help="queue verdicts to be decided again: stale ones, or one file or model",
    )
    again.set_defaults(handler=_lazy("shared.commands.store", "reevaluate"))
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--stale", action="store_true", help="every verdict of an older policy")
    which.add_argument("--model", help="one fine-tuned model")
    which.add_argument("--blob", help="one training file, by its blob name")
    again.add_argument("--dry-run", action="store_true", help="count, queue nothing")
    commands.add_parser(
        "replay-poison", help="queue again the work that failed on every retry (after an outage)"
    ).set_defaults(handler=_lazy("shared.commands.store", "replay_poison"))
    sweep = commands.add_parser(
        "sweep-deployments",
        help="delete ftgate-eval-* deployments no live evaluation holds (AZURE_OPENAI_ACCOUNT…)",
    )
    sweep.set_defaults(handler=_lazy("shared.commands.store", "sweep_deployments"))
    sweep.add_argument("--dry-run", action="store_true", help="list them, delete nothing")


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
    enforce.set_defaults(handler=_lazy("shared.commands.store", "enforce_once"))
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
    return args.handler(args)


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``module.name``, imported only when its command runs: the offline
    commands never load the OpenAI or Azure SDKs the others need. A coroutine handler
    runs in its own event loop; asyncio itself is imported only then, as ``--version``
    and an offline ``analyze`` need none."""

    def handler(args: argparse.Namespace) -> int:
        function = getattr(importlib.import_module(module), name)
        if inspect.iscoroutinefunction(function):
            import asyncio  # noqa: PLC0415

            return asyncio.run(function(args))
        return function(args)

    return handler


if __name__ == "__main__":
    sys.exit(main())
