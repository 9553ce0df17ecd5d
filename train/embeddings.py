"""The encoder's embeddings of training text, on every core, cached by text digest.

Embedding is training's slow step: a first ``make train`` embeds about 30,000
texts at tens a second per core. The cache spreads them over a worker process
per core, keeps every vector under its text's SHA-256 so that a rerun embeds
only new texts, and saves as it goes. It imports no training library, so the
test environment checks it too.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from shared.analyzers.encoder import PREFIX_CHARS, e5


def digest(text: str) -> str:
    """The key a text's embedding is cached under."""
    return hashlib.sha256(text.encode()).hexdigest()


# Texts one worker embeds at a time, and how many of them between two saves of the
# cache: a run stopped midway (about 30,000 texts at first) keeps what it embedded.
BATCH = 64
SAVE_EVERY = 20 * BATCH


def _embed_batch(texts: list[str]) -> np.ndarray:
    """One batch's embeddings, in a worker process (each maps the model once)."""
    return e5().query([t[:PREFIX_CHARS] for t in texts])


def _embeddings(texts: list[str], processes: int) -> Iterator[tuple[list[str], np.ndarray]]:
    """Each batch of ``texts`` with its embeddings, in order, from ``processes`` workers.
    A text's embedding does not depend on its batch or its worker (the encoder reads
    each text alone), so the cache holds the same vectors however it was filled."""
    batches = [texts[start : start + BATCH] for start in range(0, len(texts), BATCH)]
    # Spawned, not forked: the parent has run BLAS threads and sklearn by now, and a
    # worker starts clean and maps the model itself.
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        yield from zip(batches, pool.imap(_embed_batch, batches), strict=True)


class EmbeddingCache:
    """Embeddings by text digest, read from and written back to one ``.npz`` file."""

    def __init__(self, path: Path, processes: int | None = None) -> None:
        self.path = path
        self.processes = processes or os.cpu_count() or 1
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path, allow_pickle=False) as data:
                self.vectors = dict(zip(data["digests"].tolist(), data["vectors"], strict=True))

    def embed(self, texts: list[str]) -> np.ndarray:
        digests = [digest(t) for t in texts]
        missing = [t for t, d in dict(zip(texts, digests, strict=True)).items()
                   if d not in self.vectors]  # fmt: skip
        if missing:
            print(f"embedding {len(missing):,} texts on {self.processes} processes "
                  f"(cached: {len(self.vectors):,})", flush=True)  # fmt: skip
            unsaved = 0
            for batch, vectors in _embeddings(missing, self.processes):
                self.vectors.update(zip(map(digest, batch), vectors, strict=True))
                unsaved += len(batch)
                if unsaved >= SAVE_EVERY:
                    self._save()
                    unsaved = 0
            self._save()
        return np.stack([self.vectors[d] for d in digests]).astype(np.float32)

    def _save(self) -> None:
        """Write the cache whole, then move it into place: a run killed while saving
        leaves the previous save, never a truncated file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        partial = self.path.with_name(self.path.name + ".partial")
        with partial.open("wb") as out:
            np.savez(out, digests=np.array(keys),
                     vectors=np.stack([self.vectors[k] for k in keys]))  # fmt: skip
        os.replace(partial, self.path)
