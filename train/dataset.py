"""From sources to splits: decontamination, de-duplication and a split by group.

The reserved benchmarks are used here and only here: any training text that is
identical to a reserved item, or shares a run of five words with one, is
dropped. Duplicates (after the analyzer's normalization) are kept once. Text
in other scripts is compared as written, case-folded (the analyzer's folding
erases it), and also by runs of twelve characters, since Chinese, Japanese and
Thai put no spaces between words. Each
example's split follows from a hash of its source and group, so a template, a
written act or a source item never spans two splits, and the split of an item
does not change when other sources are added.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.analyzers.local import normalize, reads_words
from train.sources import Example

NGRAM = 5
CHARACTER_NGRAM = 12
SPLITS = ("train", "dev", "test")


def fold(text: str) -> str:
    """What duplicates and copies are judged on: the analyzer's folding of Latin-script
    text; other scripts, which that folding erases, as their case-folded words."""
    if reads_words(text):
        return normalize(text)
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(c if _in_word(c) else " " for c in folded).split())


def _in_word(character: str) -> bool:
    # Vowel signs (Devanagari, Thai...) are marks, not letters, but part of the word.
    return character.isalnum() or unicodedata.category(character).startswith("M")


def _ngrams(folded: str) -> set[tuple[str, ...]]:
    words = folded.split()
    grams = {tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)}
    if not reads_words(folded):
        letters = [c for c in folded if _in_word(c)]
        last = len(letters) - CHARACTER_NGRAM + 1
        grams |= {tuple(letters[i : i + CHARACTER_NGRAM]) for i in range(last)}
    return grams


class Decontaminator:
    """Tells whether a text copies or nearly copies a reserved item."""

    def __init__(self, reserved: Iterable[Example]) -> None:
        self.texts: set[str] = set()
        self.ngrams: set[tuple[str, ...]] = set()
        for example in reserved:
            folded = fold(example.text)
            self.texts.add(folded)
            self.ngrams |= _ngrams(folded)

    def contaminated(self, folded: str) -> bool:
        return folded in self.texts or not self.ngrams.isdisjoint(_ngrams(folded))


def split_of(example: Example) -> str:
    """20% test, 10% development, 70% training, by a hash of source and group."""
    bucket = hashlib.sha256(f"{example.source}\n{example.group}".encode()).digest()[0] % 10
    return "test" if bucket < 2 else "dev" if bucket < 3 else "train"


@dataclass
class Splits:
    """Examples per split, and what was dropped on the way."""

    examples: dict[str, list[Example]] = field(default_factory=lambda: {s: [] for s in SPLITS})
    contaminated: Counter[str] = field(default_factory=Counter)  # per source
    duplicates: int = 0


def build(examples: Iterable[Example], decontaminator: Decontaminator) -> Splits:
    splits = Splits()
    seen: set[str] = set()
    for example in examples:
        folded = fold(example.text)
        if folded in seen:
            splits.duplicates += 1
            continue
        seen.add(folded)
        if decontaminator.contaminated(folded):
            splits.contaminated[example.source] += 1
            continue
        splits.examples[split_of(example)].append(example)
    return splits
