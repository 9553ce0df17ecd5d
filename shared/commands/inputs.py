"""The input a command reads: a named file or standard input."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from shared.exitcodes import UsageError


@contextmanager
def open_input(name: str) -> Iterator[BinaryIO]:
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
