"""The units the encoder reads a text in: sentences, and pieces of long ones."""

from __future__ import annotations

import re
from typing import Final

PIECE_WORDS: Final = 48  # a sentence longer than this is read in pieces of this many words
_SENTENCE_END: Final = re.compile(r"(?<=[.!?;:。！？])\s+|\s*\n\s*")


def pieces(text: str) -> list[str]:
    """The sentences of ``text``, long ones cut into ``PIECE_WORDS``-word pieces, so
    that one harmful sentence is not averaged away by a long benign message."""
    found = []
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        for start in range(0, len(words), PIECE_WORDS):
            found.append(" ".join(words[start : start + PIECE_WORDS]))
    return found
