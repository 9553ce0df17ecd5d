"""The learned classifier's features: what training and scoring both read from a text.

One function, shared by ``train`` and the analyzer, so the two can never drift.
Input is text already folded by ``local.normalize`` (lower-case ASCII words,
accents and look-alike letters undone), with the rule engine's benign contexts
masked. Features are words, word prefixes of four and six letters (so "bombs",
"bombing" and "bombe", "matarte" and "matar" share one), word pairs (so "kill
yourself" and "kill time" differ), and word classes (see ``wordclasses``).
Prefixes carry inflection across the five languages covered without a stemmer
per language.
"""

from __future__ import annotations

import math
from typing import Final

from shared.analyzers.wordclasses import tag

WINDOW: Final = 32  # words per window a long text is scored in; see ``windows``
# Feature values are 1/sqrt(n) for n features, as if every text had at least this
# many: otherwise one word of a three-word text ("od.clear() -> None") weighs
# as much as a whole harmful request.
MIN_FEATURES: Final = 20


def features(words: list[str]) -> list[str]:
    """The features of one window of words, in order, repeats kept: each word, its
    prefixes, its class tag (``wordclasses``); each pair of words, and each pair
    with a class tag in place of the word that has one ("{VIOLENT}_my")."""
    found: list[str] = []
    tags: list[str | None] = []
    known = _OWN.get
    for word in words:
        own = known(word) or _own(word)
        found.extend(own[0])
        tags.append(own[1])
    for index in range(1, len(words)):
        before, word = words[index - 1], words[index]
        found.append(f"{before}_{word}")
        before_tag, word_tag = tags[index - 1], tags[index]
        if before_tag is not None or word_tag is not None:
            found.append(f"{before_tag or before}_{word_tag or word}")
    return found


# A word's own features and class tag, memoised: words recur across windows and texts,
# and these are most of the work. Bounded: cleared when full.
_OWN: Final[dict[str, tuple[tuple[str, ...], str | None]]] = {}
_OWN_KEPT: Final = 1 << 16


def _own(word: str) -> tuple[tuple[str, ...], str | None]:
    """``word``'s own features (itself, its prefixes, its tag) and its tag."""
    own = [word]
    if len(word) > 4:
        own.append(word[:4] + "-")
        if len(word) > 6:
            own.append(word[:6] + "-")
    word_tag = tag(word) if len(word) > 2 else None
    if word_tag is not None:
        own.append(word_tag)
    if len(_OWN) >= _OWN_KEPT:
        _OWN.clear()
    _OWN[word] = entry = (tuple(own), word_tag)
    return entry


def scale(found: list[str]) -> float:
    """The value each feature of a window takes (texts of every length on one scale)."""
    return 1.0 / math.sqrt(max(len(found), MIN_FEATURES))


def windows(folded: str) -> list[list[str]]:
    """The windows a text is scored in: all of it, or half-overlapping spans of
    ``WINDOW`` words, so that one harmful sentence in a long benign message is not
    diluted by the rest (a text scores the maximum over its windows)."""
    words = folded.split()
    if len(words) <= WINDOW:
        return [words]
    step = WINDOW // 2
    return [words[start : start + WINDOW] for start in range(0, len(words) - step, step)]
