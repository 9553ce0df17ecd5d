"""Training's embedding cache (``train/embeddings.py``): parallel, ordered, resumable.

The first ``make train`` embeds about 30,000 texts, the slow step of training;
the cache spreads it over every core and saves as it goes. What it must never
do is pair a vector with the wrong text, or embed again what it holds.
"""

from __future__ import annotations

import os

import numpy as np

from shared.analyzers.encoder import PREFIX_CHARS, e5
from train import embeddings
from train.embeddings import EmbeddingCache

TEXTS = [
    "How do I kill a Python process?",
    "Je vais te tuer.",
    "What's the best way to cut an onion?",
    "How do I kill a Python process?",  # a repeat: embedded once, returned twice
    "Ich werde dich nicht umbringen.",
    "x" * (PREFIX_CHARS + 50),  # read up to the prefix the encoder reads when scoring
]


def direct(texts: list[str]) -> np.ndarray:
    return np.stack([e5().query(t[:PREFIX_CHARS]) for t in texts])


def test_parallel_embeddings_are_each_texts_own_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(embeddings, "BATCH", 2)  # several batches over two workers
    vectors = EmbeddingCache(tmp_path / "cache.npz", processes=2).embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert np.array_equal(vectors, direct(TEXTS).astype(np.float32))


def test_a_rerun_embeds_only_new_texts(tmp_path, capsys):
    path = tmp_path / "cache.npz"
    first = EmbeddingCache(path, processes=1).embed(TEXTS[:3])
    capsys.readouterr()
    again = EmbeddingCache(path, processes=1).embed(TEXTS[:3])
    assert capsys.readouterr().out == ""
    assert np.array_equal(first, again)
    EmbeddingCache(path, processes=1).embed(TEXTS)
    assert "embedding 2 texts" in capsys.readouterr().out
    assert not path.with_name(path.name + ".partial").exists()


def test_the_cache_is_saved_as_it_goes(tmp_path, monkeypatch):
    monkeypatch.setattr(embeddings, "BATCH", 2)
    monkeypatch.setattr(embeddings, "SAVE_EVERY", 2)
    sizes: list[int] = []
    real_save = EmbeddingCache._save

    def save(cache: EmbeddingCache) -> None:
        sizes.append(len(cache.vectors))
        real_save(cache)

    monkeypatch.setattr(EmbeddingCache, "_save", save)
    EmbeddingCache(tmp_path / "cache.npz", processes=2).embed(TEXTS)
    assert sizes == [2, 4, 5]  # after every second text, then at the end


def test_processes_default_to_every_core(tmp_path):
    assert EmbeddingCache(tmp_path / "cache.npz").processes == os.cpu_count()
