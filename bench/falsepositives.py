"""Benchmark: the local analyzer's false positives on a large body of benign English.

Scores every docstring paragraph (over 40 characters) of the running Python's
standard library — technical prose full of "kill", "execute", "shoot", "dead",
"attack" — and prints how many reach the failing severity (4) and how many score
a mention (2-3). Run with ``make bench`` (or ``python -m bench.falsepositives``).
Given folders (``python -m bench.falsepositives FOLDER...``), it scores their
docstrings instead, e.g. installed packages that training never reads: the
standard library is the set a release is tuned against, so a second set shows
whether a fix generalises.
"""

from __future__ import annotations

import argparse
import ast
import sysconfig
import time
from pathlib import Path

from shared.analyzers.local import LocalAnalyzer
from shared.policy import DATA_SEVERITY_THRESHOLD


def docstring_paragraphs(root: Path) -> list[str]:
    """Every docstring paragraph over 40 characters under ``root``, ``test`` folders left out,
    in a stable order (files sorted), so that a training source built this way
    hashes the same on every machine with the same package versions."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if "test" in parts or "site-packages" in parts:
            continue
        try:
            tree = ast.parse(path.read_text(errors="ignore"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc:
                    found += [part for part in doc.split("\n\n") if len(part) > 40]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folders", nargs="*", type=Path, help="folders to score (default: the standard library)"
    )
    folders = parser.parse_args().folders
    roots = folders or [Path(sysconfig.get_paths()["stdlib"])]
    texts = [text for root in roots for text in docstring_paragraphs(root)]
    analyzer = LocalAnalyzer()
    started = time.perf_counter()
    scores = [max(analyzer.score(text)) for text in texts]
    seconds = time.perf_counter() - started
    failing = sum(score >= DATA_SEVERITY_THRESHOLD for score in scores)
    mentions = sum(0 < score < DATA_SEVERITY_THRESHOLD for score in scores)
    characters = sum(map(len, texts))
    source = f"{len(roots)} given folders'" if folders else "the standard library's"
    print(f"local analyzer on {source} docstrings (benign English)")
    print(f"  {len(texts):,} paragraphs, {characters / 1e6:.2f} M characters, {seconds:.2f} s")
    print(f"  at or above severity {DATA_SEVERITY_THRESHOLD} (false positives): {failing}")
    print(f"  mentions (severity 1-3): {mentions}")


if __name__ == "__main__":
    main()
