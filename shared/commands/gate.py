"""``gate``: ask the deployed gate for a verdict, for pipelines."""

from __future__ import annotations

import argparse
import os

from shared.exitcodes import (
    UsageError,
)
from shared.gateclient import (
    ask,
    check_url,
    exit_code,
    junit_report,
    parse_duration,
    wait_for,
)


def gate(args: argparse.Namespace) -> int:
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
    return exit_code(reply, kind)


def _unwritable(path: str) -> str | None:
    """Why a report cannot be written at ``path``, checked before a long wait; None if it can."""
    if os.path.isdir(path):
        return "it is a directory"
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        return "its directory does not exist"
    return None
