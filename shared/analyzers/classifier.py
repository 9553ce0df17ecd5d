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

import functools
from pathlib import Path
from typing import Final

import numpy as np

from shared.analyzers.features import features, scale, windows

WEIGHTS: Final = Path(__file__).with_name("classifier.npz")


class Classifier:
    """Scores folded texts: a (texts x 4) array of probabilities, categories in policy order."""

    def __init__(self, path: Path = WEIGHTS) -> None:
        with np.load(path, allow_pickle=False) as data:
            vocabulary = bytes(data["vocabulary"]).decode("ascii").split("\n")
            # Row 0 is all zeros: every window gets it, so no window is an empty segment.
            self.weights = np.vstack([np.zeros((1, 4), np.float32), data["weights"]])
            self.bias = data["bias"].astype(np.float32)
        self.ids = {feature: row for row, feature in enumerate(vocabulary, start=1)}

    def probabilities(self, folded_texts: list[str]) -> np.ndarray:
        """Per text and category, the highest probability over the text's windows."""
        ids: list[int] = []
        starts: list[int] = []
        scales: list[float] = []
        owners: list[int] = []
        lookup = self.ids.get
        for owner, folded in enumerate(folded_texts):
            for words in windows(folded):
                found = features(words)
                starts.append(len(ids))
                ids.append(0)
                ids.extend(filter(None, map(lookup, found)))  # rows start at 1: only misses drop
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
