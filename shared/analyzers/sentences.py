"""The units the encoder reads a text in: sentences, and pieces of long ones."""

from __future__ import annotations

import re
from typing import Final

PIECE_WORDS: Final = 48  # a sentence longer than this is read in pieces of this many words
# A blank line ends a sentence, and so does a line break unless the next line goes on
# in lower case: prose hard-wrapped at a fixed width (documentation, e-mail) breaks
# lines mid-sentence, and its halves ("If you need a") read as nothing the encoder
# was trained on.
_SENTENCE_END: Final = re.compile(r"(?<=[.!?;:。！？])\s+|\s*\n[^\S\n]*\n\s*|\s*\n\s*+(?![a-zß-ÿ])")
_END_MARKS: Final = frozenset(".!?;:。！？")


def pieces(text: str) -> list[str]:
    """The sentences of ``text``, long ones cut into ``PIECE_WORDS``-word pieces, so
    that one harmful sentence is not averaged away by a long benign message.

    A sentence ends at whitespace after an end mark, at a blank line, or at a
    line break the next line does not continue in lower case. Without a line
    break that is a word ending in an end mark, so the words are walked once
    (``_SENTENCE_END``, tried at every character, is more than twice as slow);
    both give the same pieces (``bench/identity.py``).
    """
    if "\n" in text:
        found: list[str] = []
        for sentence in _SENTENCE_END.split(text):
            _cut(sentence.split(), found)
        return found
    found = []
    sentence: list[str] = []
    for word in text.split():
        sentence.append(word)
        if word[-1] in _END_MARKS:
            _cut(sentence, found)
            sentence = []
    _cut(sentence, found)
    return found


def _cut(words: list[str], found: list[str]) -> None:
    """Append the sentence of ``words`` to ``found``, in pieces of ``PIECE_WORDS`` words."""
    for start in range(0, len(words), PIECE_WORDS):
        found.append(" ".join(words[start : start + PIECE_WORDS]))
