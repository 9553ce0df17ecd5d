"""Benchmark: the local analyzer's recall and false positives, rules alone vs the whole analyzer.

Reads the held-out test split that ``python -m train`` writes (``train/splits/
test.jsonl``: no text of it was trained or tuned on) and, when present, the
held-out file written by another author (``tests/data/analyzer_heldout.jsonl``),
the file a third author wrote without seeing any training text
(``tests/data/analyzer_unseen.jsonl``), ten languages in other scripts by a
fourth (``tests/data/analyzer_scripts.jsonl``), and the sentences the tests assert on
(``tests/data/analyzer_sentences.jsonl``, written for the tests, never trained on).
Prints, per category, the share of harmful texts scored at or above the
failing severity (4) in their category, per language, and the share of benign
texts scored 4 or more in any category, per source: for the rule engine alone
and for the combined analyzer. Run with ``make bench`` (or ``python -m
bench.analyzer``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from shared.analyzers.base import Severities
from shared.analyzers.local import rules_only, score
from shared.policy import CATEGORIES, DATA_SEVERITY_THRESHOLD, Category

ROOT = Path(__file__).parent.parent
FILES = {
    "own held-out split (train/splits/test.jsonl)": ROOT / "train" / "splits" / "test.jsonl",
    "test sentences (tests/data/analyzer_sentences.jsonl)": (
        ROOT / "tests" / "data" / "analyzer_sentences.jsonl"
    ),
    "other author's held-out file (tests/data/analyzer_heldout.jsonl)": (
        ROOT / "tests" / "data" / "analyzer_heldout.jsonl"
    ),
    "unseen file, third author (tests/data/analyzer_unseen.jsonl)": (
        ROOT / "tests" / "data" / "analyzer_unseen.jsonl"
    ),
    "other scripts, fourth author (tests/data/analyzer_scripts.jsonl)": (
        ROOT / "tests" / "data" / "analyzer_scripts.jsonl"
    ),
}
Scorer = Callable[[str], Severities]
SCORERS: dict[str, Scorer] = {"rules": rules_only, "rules+encoder": score}


def _rate(hits: int, total: int) -> str:
    return f"{hits / total:6.1%} ({hits}/{total})" if total else "     -"


def report(rows: list[dict]) -> None:
    """Recall per category and language, false positives per benign source or kind."""
    recall: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    false_positives: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for name, scorer in SCORERS.items():
            severities = scorer(row["text"])
            if row["category"]:
                category = Category(row["category"])
                hit = severities.of(category) >= DATA_SEVERITY_THRESHOLD
                recall[(row["category"], row.get("lang", "en"))][name].append(hit)
                recall[(row["category"], "all")][name].append(hit)
            else:
                hit = max(severities) >= DATA_SEVERITY_THRESHOLD
                group = row.get("kind") or row.get("source", "benign")
                false_positives[group][name].append(hit)
                false_positives["all benign"][name].append(hit)
    header = "".join(f"{name:>22}" for name in SCORERS)
    print(f"  recall at severity >= {DATA_SEVERITY_THRESHOLD}  {'':>14}{header}")
    for category in CATEGORIES:
        for (name, lang), results in sorted(recall.items()):
            if name == category.value:
                cells = "".join(f"{_rate(sum(r), len(r)):>22}" for r in results.values())
                print(f"    {name:<9} {lang:<4}{'':>18}{cells}")
    print(f"  benign scored >= {DATA_SEVERITY_THRESHOLD} (false positives){header}")
    for group, results in sorted(false_positives.items()):
        cells = "".join(f"{_rate(sum(r), len(r)):>22}" for r in results.values())
        print(f"    {group:<32}{cells}")


def main() -> None:
    for title, path in FILES.items():
        if not path.exists():
            print(f"{title}: not present")
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        print(f"{title}: {len(rows):,} texts")
        report(rows)


if __name__ == "__main__":
    main()
