"""The learned half of the embedded analyzer: a linear classifier per harm category.

Four logistic regressions over the features of ``features.py`` (words, word
prefixes, word pairs), trained by ``python -m train`` from the public sources
listed in ``train/manifest.json`` and sentences written for this project, in
English, Spanish, French, German and Portuguese. The weights ship in
``classifier.npz`` beside this module; nothing is downloaded, and inference is
a numpy gather and sum, so a batch of texts costs about one dictionary lookup
per feature.

A probability maps to Content Safety's scale through three thresholds per
category, chosen in training on a development split (see ``train/fit.py``):
at or above ``t4`` the text reads as harmful in that category (instructions,
threats, glorification, explicit description: severity 4), at or above ``t6``
it does so beyond doubt (6); between ``t2`` and ``t4`` it is about the subject
without being harmful (2, a mention). How this combines with the rules is
described in ``local.py``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

import numpy as np

from shared.analyzers.features import features, scale, windows
from shared.analyzers.wordclasses import anchor_regex, anchors

WEIGHTS: Final = Path(__file__).with_name("classifier.npz")
LEVELS: Final = (2, 4, 6)  # the severity each threshold column grants


class Classifier:
    """Scores folded texts: a (texts x 4) array of severities, categories in policy order."""

    def __init__(self, path: Path = WEIGHTS) -> None:
        with np.load(path, allow_pickle=False) as data:
            vocabulary = bytes(data["vocabulary"]).decode("ascii").split("\n")
            # Row 0 is all zeros: every window gets it, so no window is an empty segment.
            self.weights = np.vstack([np.zeros((1, 4), np.float32), data["weights"]])
            self.bias = data["bias"].astype(np.float32)
            self.thresholds = data["thresholds"].astype(np.float32)  # 4 categories x 3 levels
        self.ids = {feature: row for row, feature in enumerate(vocabulary, start=1)}

    def probabilities(self, folded_texts: list[str]) -> np.ndarray:
        """Per text and category, the highest probability over the text's windows.

        A window without a word of harm in any of the five languages (see
        ``wordclasses.anchors``) is not scored: it has probability 0. That keeps
        the classifier off ordinary prose, where a linear model's rare
        confident mistakes come from words that only co-occur with harm
        ("self", "explicit"), and makes most texts cost one set intersection.
        """
        ids: list[int] = []
        starts: list[int] = []
        scales: list[float] = []
        owners: list[int] = []
        lookup = self.ids.get
        harm = anchors()
        anchored = anchor_regex().search
        for owner, folded in enumerate(folded_texts):
            if anchored(folded) is None:
                continue
            for words in windows(folded):
                found = features(words)
                if harm.isdisjoint(found):
                    continue  # no word of harm: the rules alone judge this window
                starts.append(len(ids))
                ids.append(0)
                ids.extend(row for feature in found if (row := lookup(feature)) is not None)
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

    def severities(self, folded_texts: list[str]) -> np.ndarray:
        """Per text and category, the severity (0, 2, 4 or 6) the probabilities map to."""
        probabilities = self.probabilities(folded_texts)
        passed = probabilities[:, :, None] >= self.thresholds[None, :, :]
        return np.max(np.where(passed, np.asarray(LEVELS), 0), axis=2)


@functools.cache
def classifier() -> Classifier:
    """The shipped classifier, loaded on first use (and before any worker forks)."""
    return Classifier()
