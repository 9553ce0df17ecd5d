"""The command line's exit codes, and the one map from error to exit code.

A pipeline reads an exit code as a verdict (0 passed or deployable, 1 failed or not),
so a crash or a refusal must never take one of those.
"""

from __future__ import annotations

from typing import Final

from shared.errors import FtgateError
from shared.policy import Outcome
from shared.settings import SettingsError

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


class UsageError(FtgateError):
    """The command line asked for something it cannot have; the message says what."""


# The one map from error to exit code; the first class an error is an instance of
# decides. An ftgate error no row names still failed on purpose with a reason, so it
# is an error (3), not a bug (70) and never a verdict (0 or 1): the gate that could not
# be asked (GateError) and a model that could not be reached (TargetError) among them.
ERROR_EXIT_CODES: Final[tuple[tuple[type[FtgateError], int], ...]] = (
    (UsageError, EXIT_USAGE),
    (SettingsError, EXIT_USAGE),  # a setting missing or malformed: fix the invocation
    (FtgateError, EXIT_ERROR),
)


def error_exit_code(error: FtgateError) -> int:
    """The exit code for an ftgate error: its row in :data:`ERROR_EXIT_CODES`."""
    return next(code for kind, code in ERROR_EXIT_CODES if isinstance(error, kind))
