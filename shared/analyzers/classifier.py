"""The cheap half of the embedded analyzer: a linear classifier per harm category.

Four logistic regressions over the features of ``features.py`` (words, word
prefixes, word pairs, word classes), trained by ``python -m train`` from the
public sources listed in ``train/manifest.json`` and sentences written for this
project, in English, Spanish, French, German and Portuguese. The weights ship in
``classifier.npz`` beside this module; nothing is downloaded, and inference is
a numpy gather and sum, about one dictionary lookup per feature.

It does not grant severities itself: a bag of words confuses "kill the
process" with "kill a person" too often for that. It is the gate in front of
the encoder (``encoder.py``), which reads meaning but is slow: a sentence is
read by the encoder only if this classifier's probability reaches the gate set
in training (see ``local.score_many``).
"""

from __future__ import annotations

import bisect
import functools
import itertools
from pathlib import Path
from typing import Final

import numpy as np

from shared.analyzers.features import features, scale, windows

WEIGHTS: Final = Path(__file__).with_name("classifier.npz")
# Features looked up by bisection before the dict is built: about what building it costs.
DICT_AFTER: Final = 5_000


class Vocabulary:
    """The classifier's features and their weight rows (from 1; row 0 is all zeros).

    Shipped as one text, the features sorted (``train/fit.py``) and one per line. A dict
    answers a lookup fastest, but building it for ~180,000 features takes about a tenth
    of a second, most of what a one-line ``ftgate analyze`` would spend; so lookups
    bisect the sorted text until ``DICT_AFTER`` features have been looked up, then the
    dict is built (at once by :meth:`index`, before worker processes fork). Both give
    the same rows, so scores never depend on which answered.
    """

    def __init__(self, text: bytes) -> None:
        self._text = text
        ends = np.flatnonzero(np.frombuffer(text, np.uint8) == ord("\n"))
        self._starts = np.concatenate(([0], ends + 1))
        self._ends = np.append(ends, len(text))
        self._looked_up = 0
        self._rows: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._starts)

    def rows(self, found: list[str]) -> list[int]:
        """The rows of the features of ``found`` that the vocabulary holds, in order."""
        if self._rows is None:
            self._looked_up += len(found)
            if self._looked_up <= DICT_AFTER:
                return [row for feature in found if (row := self._bisect(feature))]
        return list(filter(None, map(self.index().get, found)))

    def index(self) -> dict[str, int]:
        """The dict from feature to row, built on the first call."""
        if self._rows is None:
            features = self._text.decode("ascii").split("\n")
            self._rows = dict(zip(features, itertools.count(1)))
        return self._rows

    def _bisect(self, feature: str) -> int:
        """``feature``'s row, or 0. The vocabulary is ASCII and sorted as Python sorts
        strings, i.e. bytewise; a non-ASCII feature is simply never found."""
        key = feature.encode()
        index = bisect.bisect_left(range(len(self)), key, key=self._feature)
        return index + 1 if index < len(self) and self._feature(index) == key else 0

    def _feature(self, index: int) -> bytes:
        return self._text[self._starts[index] : self._ends[index]]


class Classifier:
    """Scores folded texts: a (texts x 4) array of probabilities, categories in policy order."""

    def __init__(self, path: Path = WEIGHTS) -> None:
        with np.load(path, allow_pickle=False) as data:
            self.vocabulary = Vocabulary(data["vocabulary"].tobytes())
            # Row 0 is all zeros: every window gets it, so no window is an empty segment.
            self.weights = np.vstack([np.zeros((1, 4), np.float32), data["weights"]])
            self.bias = data["bias"].astype(np.float32)

    def probabilities(self, folded_texts: list[str]) -> np.ndarray:
        """Per text and category, the highest probability over the text's windows."""
        ids: list[int] = []
        starts: list[int] = []
        scales: list[float] = []
        owners: list[int] = []
        for owner, folded in enumerate(folded_texts):
            for words in windows(folded):
                found = features(words)
                starts.append(len(ids))
                ids.append(0)
                ids.extend(self.vocabulary.rows(found))
                scales.append(scale(found))
                owners.append(owner)
        best = np.zeros((len(folded_texts), 4), np.float32)
        if not starts:
            return best
        sums = np.add.reduceat(self.weights[ids], starts, axis=0)
        logits = sums * np.asarray(scales, np.float32)[:, None] + self.bias
        per_window = 1.0 / (1.0 + np.exp(-logits))
        np.maximum.at(best, np.asarray(owners), per_window)
        return best


@functools.cache
def classifier() -> Classifier:
    """The shipped classifier, loaded on first use (and before any worker forks)."""
    return Classifier()
