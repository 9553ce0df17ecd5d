"""Proof that a faster analyzer judges exactly as before: digests of its outputs on a large corpus.

The local analyzer's hot path (normalisation, the anchor pass, sentence
splitting, feature extraction) is rewritten for speed from time to time; its
judgements and the learned half's inputs must not move, or retrained weights
(``classifier.npz``, ``encoder_head.npz``) would no longer fit the features
they were trained on. This script builds a corpus of tens of thousands of
varied texts (the generated screening file's texts, the labelled sets under
``train/`` and ``tests/data/``, the examples, and obfuscated variants of the
labelled texts: l33t, spaced and stretched letters, look-alike letters,
zero-width characters, hex ids and error codes, curly apostrophes) and digests,
per text:

- ``rules``: the rule engine's severities (``rules_only``);
- ``model_input``: what the classifier reads (``model_input``);
- ``pieces``: the sentence pieces the learned half reads (``sentences.learned_pieces``);
- ``features``: the features of every window of every piece's model input;
- ``probabilities``: the classifier's probabilities per piece, as float32 bytes;
- ``severities``: the whole analyzer's severities (``score_many``) on ``--full``
  texts spread evenly over the corpus (the encoder is slow; the parts above
  cover every text, and ``score_many`` combines them, reading some pieces
  together as passages).

``--base REF`` (the usual use) scores the corpus twice, with this checkout's code
and with ``REF``'s ``shared/`` (from ``git archive``), both with this checkout's
weights, and fails unless every digest is equal: so it stays valid while the
weights are retrained. Without ``--base`` it compares against the digests
recorded in ``bench/identity.json`` (``--record`` writes them), and says which
parts it cannot compare when the corpus or the weights changed since.
Run with ``python -m bench.identity --base main``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
RECORD = Path(__file__).with_name("identity.json")
WEIGHTS = ("classifier.npz", "encoder_head.npz")
LABELLED = (
    ROOT / "train" / "written_sentences.jsonl",
    ROOT / "train" / "splits" / "test.jsonl",
    ROOT / "tests" / "data" / "analyzer_sentences.jsonl",
    ROOT / "tests" / "data" / "analyzer_heldout.jsonl",
)
SCREENING_LINES = 6_000  # lines of the generated 20 MB screening file read for texts
SEED = 18
BATCH = 64  # texts per score_many call, as screening batches them
# Parts whose digests depend on the weights, not only on the code.
WEIGHTED = ("probabilities", "severities")


def _strings(value: object) -> list[str]:
    """Every string inside a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


_LEET = str.maketrans("aeiostg", "4310$79")
_LOOKALIKE = str.maketrans("aeopcxi", "аеорсхі")


def _variants(text: str, rng: random.Random) -> list[str]:
    """Obfuscated spellings of ``text``, the kinds ``normalize`` undoes (and some it does not)."""
    words = text.split()
    index = rng.randrange(len(words)) if words else 0
    spaced = [".".join(w) if i == index else w for i, w in enumerate(words)]
    stretched = [rng.choice(("", "ii", "lll", "oooo")).join(w[:2]) + w[2:] for w in words]
    return [
        text.translate(_LEET),
        " ".join(w.translate(_LEET) if rng.random() < 0.3 else w for w in words),
        " ".join(spaced),
        " ".join(stretched),
        text.translate(_LOOKALIKE),
        "\u200b".join(text[i : i + 3] for i in range(0, len(text), 3)),
        f"{text} (error 0x{rng.randrange(1 << 32):08X}, id {rng.randrange(1 << 64):016x})",
        text.replace("'", "\u2019").upper(),
        text.replace(". ", ".\n") + "\n\n!!! $$$ @@ 1337 k1ll3r w00t",
    ]


def corpus() -> list[str]:
    """The texts scored, in a fixed order (deterministic for the same files)."""
    from bench.screening import dataset  # noqa: PLC0415 - only the parent builds the corpus

    rng = random.Random(SEED)
    texts: list[str] = []
    with dataset(20).open(encoding="utf-8") as stream:
        for number, line in enumerate(stream):
            if number >= SCREENING_LINES:
                break
            texts.extend(_strings(json.loads(line)))
    for path in sorted((ROOT / "examples").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                texts.extend(_strings(json.loads(line)))
            except json.JSONDecodeError:
                texts.append(line)  # chat-invalid.jsonl: its raw lines are texts too
    labelled: list[str] = []
    for path in LABELLED:
        if path.exists():
            rows = path.read_text(encoding="utf-8").splitlines()
            labelled.extend(json.loads(row)["text"] for row in rows)
    texts.extend(labelled)
    for text in labelled:
        texts.extend(_variants(text, rng))
    return list(dict.fromkeys(texts))


class _Digest:
    """A running SHA-256 of one part's outputs, one record per text."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()

    def add(self, value: object) -> None:
        data = value if isinstance(value, bytes) else json.dumps(value).encode()
        self.hash.update(len(data).to_bytes(8, "little") + data)


def digests(texts: list[str], full: int) -> dict[str, str]:
    """The digest of each part's outputs on ``texts`` (see the module docstring)."""
    from shared.analyzers.classifier import classifier  # noqa: PLC0415
    from shared.analyzers.features import features, windows  # noqa: PLC0415
    from shared.analyzers.local import model_input, rules_only, score_many  # noqa: PLC0415
    from shared.analyzers.sentences import learned_pieces  # noqa: PLC0415

    parts = {
        name: _Digest()
        for name in ("rules", "model_input", "pieces", "features", "probabilities", "severities")
    }
    for text in texts:
        parts["rules"].add(list(rules_only(text)))
        parts["model_input"].add(model_input(text))
        found = learned_pieces(text)  # what scoring reads, long numbers as zeros
        parts["pieces"].add(found)
        inputs = [model_input(piece) for piece in found]
        parts["features"].add([[features(words) for words in windows(i)] for i in inputs])
        parts["probabilities"].add(classifier().probabilities(inputs).tobytes())
    sample = texts[:: max(1, len(texts) // full)][:full]
    for start in range(0, len(sample), BATCH):
        for severities in score_many(sample[start : start + BATCH]):
            parts["severities"].add(list(severities))
    return {name: digest.hash.hexdigest() for name, digest in parts.items()}


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _weights() -> dict[str, str]:
    return {name: _file_digest(ROOT / "shared" / "analyzers" / name) for name in WEIGHTS}


def _in_child(code_root: Path, corpus_path: Path, full: int) -> dict[str, str]:
    """The digests with the ``shared`` package under ``code_root``, in a fresh process."""
    environment = {**os.environ, "PYTHONPATH": str(code_root)}
    command = [sys.executable, __file__, "--digests", str(corpus_path), "--full", str(full)]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _base_code(ref: str, into: Path) -> None:
    """``ref``'s ``shared/`` under ``into``, with this checkout's weights."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "shared"],
        capture_output=True,
        check=True,
    ).stdout
    tar_path = into / "base.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    for name in WEIGHTS:
        target = into / "shared" / "analyzers" / name
        target.write_bytes((ROOT / "shared" / "analyzers" / name).read_bytes())


def _compare(before: dict[str, str], after: dict[str, str], skip: tuple[str, ...] = ()) -> bool:
    same = True
    for name, digest in after.items():
        if name in skip:
            print(f"  {name:<14}: not compared (the weights changed since the record)")
            continue
        equal = before.get(name) == digest
        same &= equal
        print(f"  {name:<14}: {'identical' if equal else 'DIFFERENT'}  {digest[:16]}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="git ref whose shared/ must give identical outputs")
    parser.add_argument("--record", action="store_true", help="write bench/identity.json")
    parser.add_argument("--full", type=int, default=3_000, help="texts scored by score_many")
    parser.add_argument("--digests", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.digests:
        texts = json.loads(Path(args.digests).read_text(encoding="utf-8"))
        print(json.dumps(digests(texts, args.full)))
        return

    texts = corpus()
    corpus_digest = hashlib.sha256(json.dumps(texts).encode()).hexdigest()
    print(f"identity corpus: {len(texts):,} distinct texts, {sum(map(len, texts)):,} characters")
    with tempfile.TemporaryDirectory() as scratch:
        corpus_path = Path(scratch) / "corpus.json"
        corpus_path.write_text(json.dumps(texts), encoding="utf-8")
        started = time.perf_counter()
        now = _in_child(ROOT, corpus_path, args.full)
        print(f"  this checkout scored it in {time.perf_counter() - started:.0f} s (wall)")
        if args.record:
            record = {"corpus": corpus_digest, "weights": _weights(), "digests": now}
            RECORD.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            print(f"  recorded in {RECORD.name}")
            return
        if args.base:
            base_root = Path(scratch) / "base"
            base_root.mkdir()
            _base_code(args.base, base_root)
            print(
                f"this checkout against {args.base}'s shared/, both with this checkout's weights:"
            )
            same = _compare(_in_child(base_root, corpus_path, args.full), now)
        else:
            record = json.loads(RECORD.read_text(encoding="utf-8"))
            if record["corpus"] != corpus_digest:
                sys.exit("the corpus changed since bench/identity.json was recorded: use --base")
            skip = WEIGHTED if record["weights"] != _weights() else ()
            print("this checkout against bench/identity.json:")
            same = _compare(record["digests"], now, skip)
    if not same:
        sys.exit("the analyzer's outputs changed")


if __name__ == "__main__":
    main()
