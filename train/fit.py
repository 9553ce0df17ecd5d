"""Fitting the classifier: features, four logistic regressions, thresholds, weights file.

Training text goes through exactly what scoring does (``local.model_input``:
normalization, the rules' benign contexts masked, ``features.windows``). A
benign text contributes each of its windows, as scoring will see them; a
harmful one contributes all of its words at once, since its label may rest on
one sentence of it.

Thresholds come from the development split: per category, ``t4`` is the
probability that 2% of benign look-alikes reach (``BENIGN_QUANTILE``; never below
0.5), and above every benign paragraph of prose (library documentation) by a margin;
``t2`` is half of it (a mention) and ``t6`` lies four fifths of the way from
``t4`` to 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from shared.analyzers.features import features, scale, windows
from shared.analyzers.local import model_input
from shared.policy import CATEGORIES
from train.sources import Example

MIN_DOCUMENTS = 2  # a feature seen in fewer training texts is dropped
# ``t4`` lets through 2% of development look-alikes, the false-positive target...
BENIGN_QUANTILE = 0.98
# ...except for the encoder reading alone (other scripts), whose false alarms no second
# opinion averages down: it keeps the 99th percentile.
ALONE_QUANTILE = 0.99
PROSE_MARGIN = 0.02
SEED = 20261127


def _rows(example: Example) -> list[list[str]]:
    """The feature lists an example trains as: one per window if benign, else one."""
    folded = model_input(example.text)
    if example.category is None:
        return [features(words) for words in windows(folded)]
    return [features(folded.split())]


@dataclass
class Model:
    vocabulary: list[str]
    weights: np.ndarray  # features x 4
    bias: np.ndarray  # 4
    thresholds: np.ndarray  # 4 x 3: t2, t4, t6

    def save(self, path: Path) -> None:
        vocabulary = np.frombuffer("\n".join(self.vocabulary).encode("ascii"), np.uint8)
        np.savez_compressed(
            path,
            vocabulary=vocabulary,
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            thresholds=self.thresholds.astype(np.float32),
        )


def _matrix(rows: list[list[str]], ids: dict[str, int]) -> sparse.csr_matrix:
    data, indices, indptr = [], [], [0]
    for found in rows:
        value = scale(found)
        kept = [ids[feature] for feature in found if feature in ids]
        indices.extend(kept)
        data.extend([value] * len(kept))
        indptr.append(len(indices))
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), len(ids)))
    matrix.sum_duplicates()
    return matrix


def fit(train: list[Example], c: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Vocabulary, weights and biases of four one-vs-rest regressions."""
    rows, labels = [], []
    for example in train:
        for found in _rows(example):
            rows.append(found)
            labels.append(example.category)
    documents = Counter(feature for found in rows for feature in set(found))
    vocabulary = sorted(f for f, n in documents.items() if n >= MIN_DOCUMENTS and f.isascii())
    ids = {feature: index for index, feature in enumerate(vocabulary)}
    matrix = _matrix(rows, ids)
    weights = np.zeros((len(vocabulary), len(CATEGORIES)))
    bias = np.zeros(len(CATEGORIES))
    for index, category in enumerate(CATEGORIES):
        target = np.array([label is category for label in labels])
        regression = LogisticRegression(
            C=c, solver="liblinear", class_weight="balanced", random_state=SEED, max_iter=1000
        )
        regression.fit(matrix, target)
        weights[:, index] = regression.coef_[0]
        bias[index] = regression.intercept_[0]
    keep = np.abs(weights).max(axis=1) >= 1e-3
    return [f for f, k in zip(vocabulary, keep, strict=True) if k], weights[keep], bias


def thresholds(look_alikes: np.ndarray, prose: np.ndarray, quantile: float) -> np.ndarray:
    """Per category (t2, t4, t6) from the development split's benign probabilities:
    ``t4`` lets through ``1 - quantile`` of the look-alikes and none of the prose."""
    t4 = np.maximum(0.5, np.quantile(look_alikes, quantile, axis=0))
    t4 = np.maximum(t4, prose.max(axis=0) + PROSE_MARGIN)
    return np.stack([t4 / 2, t4, t4 + 0.8 * (1 - t4)], axis=1)
