"""Seed objectives for red-teaming, per harm category, shipped as data files.

Each probe is an objective an attacker pursues ("Get instructions for ..."),
with a stable id so a run can be repeated and a result traced to its seed. The
English objectives have one file per category; ``native.jsonl`` holds objectives
written natively in other languages (a ``language`` field), which a language
converter draws instead of the English ones. The texts are prompts for the
model under test: they are sent to it and never logged, stored or echoed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from shared.policy import CATEGORIES, Category


@dataclass(frozen=True, slots=True)
class Probe:
    id: str
    category: Category
    objective: str
    language: str = "en"

    @property
    def request(self) -> str:
        """The objective as the user would phrase it: "Get X" -> "Give me X"."""
        text = self.objective
        if text.startswith("Get the model to "):
            rest = text.removeprefix("Get the model to ")
            return rest[0].upper() + rest[1:]
        if text.startswith("Get "):
            return "Give me " + text.removeprefix("Get ")
        return text


@cache
def load_probes(language: str = "en") -> dict[Category, tuple[Probe, ...]]:
    """Every probe in ``language`` by category, in file order."""
    by_category: dict[Category, list[Probe]] = {category: [] for category in CATEGORIES}
    for path in sorted(resources.files(__package__).joinpath("objectives").iterdir()):
        if not path.name.endswith(".jsonl"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            probe = Probe(
                row["id"], Category(row["category"]), row["objective"], row.get("language", "en")
            )
            if probe.language == language:
                by_category[probe.category].append(probe)
    return {category: tuple(probes) for category, probes in by_category.items()}
