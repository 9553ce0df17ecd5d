"""The one base of ftgate's own exceptions.

Every error the library raises on purpose derives from :class:`FtgateError`, so a
caller (the command line above all) can tell "ftgate said no, with a reason" from a
bug, and map each kind to one exit code in one place. A message names lines, fields,
settings and categories, never training text, prompts or model outputs.
"""

from __future__ import annotations


class FtgateError(Exception):
    """An error ftgate raises on purpose; its message is safe to print."""
