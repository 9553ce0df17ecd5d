"""The units the learned half reads a text in: sentences, pieces of long ones, and
passages of consecutive ones."""

from __future__ import annotations

import re
from typing import Final

PIECE_WORDS: Final = 48  # a sentence longer than this is read in pieces of this many words
# The most characters of one text the encoder reads (``encoder.PREFIX_CHARS``): a piece
# of 48 words fits, and passages are packed up to it, so none is cut short.
PASSAGE_CHARS: Final = 600
# A blank line ends a sentence, and so does a line break unless the next line goes on
# in lower case: prose hard-wrapped at a fixed width (documentation, e-mail) breaks
# lines mid-sentence, and its halves ("If you need a") read as nothing the encoder
# was trained on.
_SENTENCE_END: Final = re.compile(r"(?<=[.!?;:。！？])\s+|\s*\n[^\S\n]*\n\s*|\s*\n\s*+(?![a-zß-ÿ])")
# An end mark that ends a word: whitespace (``\s``, the characters ``str.split`` splits
# at) or the end of the text follows it. Starting with a character class, it is scanned
# for in C.
_WORD_END_MARK: Final = re.compile(r"[.!?;:。！？](?!\S)")
# Runs of three or more digits: ticket, order and account numbers, error codes, years,
# amounts. Shorter numbers (ages, doses, counts, hours) can carry a sentence's meaning.
# Written ``\d\d\d+``, not ``\d{3,}`` (the same runs): a pattern that starts with a
# character class is scanned for in C, a repeat is tried at every character.
_LONG_NUMBER: Final = re.compile(r"\d\d\d+")


def _zeros(match: re.Match[str]) -> str:
    return "0" * len(match[0])


def learned_form(text: str) -> str:
    """``text`` as the learned half reads it: every run of three or more digits as
    zeros ("ticket 48213" -> "ticket 00000", "KB1234" -> "KB0000").

    Such numbers are identifiers, and a training file repeats one sentence shape
    with a new identifier on every line ("Your order 7734021 has shipped."); read
    as they are, each is a new sentence to the learned half and its memory, and
    the encoder (tens of sentences a second) reads every one of them the linear
    classifier is unsure of. Read as zeros they are one sentence. Training reads
    its texts the same way (``train/__main__.py``). Single and double digits stay:
    they are ages, doses and counts, and l33t spelling ("k1ll") is single digits.
    """
    return _LONG_NUMBER.sub(_zeros, text)


def learned_pieces(text: str) -> list[str]:
    """What the learned half reads of ``text``: the pieces of its ``learned_form``."""
    return pieces(learned_form(text))


def pieces(text: str) -> list[str]:
    """The sentences of ``text``, long ones cut into ``PIECE_WORDS``-word pieces, so
    that one harmful sentence is not averaged away by a long benign message.

    A sentence ends at whitespace after an end mark, at a blank line, or at a
    line break the next line does not continue in lower case. Without a line
    break that is a word ending in an end mark, so the text is cut after each
    (``_WORD_END_MARK``; ``_SENTENCE_END``, whose look-behind is tried at every
    character, is more than twice as slow, and walking the words in Python a
    fifth slower); all give the same pieces (``tests/test_analyzer_fastpaths.py``).
    """
    found: list[str] = []
    if "\n" in text:
        for sentence in _SENTENCE_END.split(text):
            _cut(sentence.split(), found)
        return found
    done = 0
    for mark in _WORD_END_MARK.finditer(text):
        _cut(text[done : mark.end()].split(), found)
        done = mark.end()
    _cut(text[done:].split(), found)
    return found


def passages(found: list[str]) -> list[list[int]]:
    """Runs of consecutive pieces (by index into ``found``) to read together, so that
    harm spread over sentences ("Get a rope. Tie it to the beam. Stand on the
    chair.") is read as a whole, as training reads a text. Pieces are packed in
    order into runs of at most ``PASSAGE_CHARS`` characters joined by spaces (what
    the encoder reads of one text, so none is cut short); only runs of two or
    more pieces are passages (one piece is read on its own anyway). A text short
    enough is one passage: the whole of it."""
    if len(found) < 2:  # most texts: one sentence, no passage
        return []
    runs: list[list[int]] = []
    run: list[int] = []
    length = -1
    for index, piece in enumerate(found):
        if run and length + 1 + len(piece) > PASSAGE_CHARS:
            runs.append(run)
            run, length = [], -1
        run.append(index)
        length += 1 + len(piece)
    runs.append(run)
    return [run for run in runs if len(run) > 1]


def _cut(words: list[str], found: list[str]) -> None:
    """Append the sentence of ``words`` to ``found``, in pieces of ``PIECE_WORDS`` words."""
    if len(words) <= PIECE_WORDS:  # most sentences: one piece, no loop
        if words:
            found.append(" ".join(words))
        return
    for start in range(0, len(words), PIECE_WORDS):
        found.append(" ".join(words[start : start + PIECE_WORDS]))
