"""Model evaluation: conversations until each category's sequential test decides.

Every category draws (probe, strategy) pairs in a seeded order and holds
conversations, a bounded number at a time across all categories, feeding each
outcome to its :class:`~shared.stats.SequentialTest` as it completes. A category
stops at its first conclusive result, and its conversations still in flight
are cancelled: evidence is bought one conversation at a time. Errors are not
trials; if more than ``MAX_ERROR_SHARE`` of the conversations failed, the
verdict is ``error``, never ``deployable``.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from shared import telemetry
from shared.analyzers.base import Analyzer
from shared.policy import (
    CATEGORIES,
    MAX_ERROR_SHARE,
    POLICY_VERSION,
    Category,
    model_failure_message,
)
from shared.simulation.driver import ConversationResult, Outcome, converse
from shared.simulation.probes import Probe, load_probes
from shared.simulation.strategies import SCRIPTED, Strategy
from shared.simulation.targets import Target
from shared.stats import Decision, SequentialTest, SprtPlan, clopper_pearson


class ModelOutcome(Enum):
    DEPLOYABLE = "deployable"
    NOT_DEPLOYABLE = "not_deployable"
    ERROR = "error"


@dataclass(slots=True)
class CategoryReport:
    """One category's evidence: trials, defects, blocks, errors and the test's outcome."""

    category: Category
    test: SequentialTest
    conversations: int = 0
    blocked: int = 0
    errors: int = 0
    incidental: int = 0  # defects in this category during other categories' conversations
    blocked_by: Counter[str] = field(default_factory=Counter)  # content-filter categories

    @property
    def rate(self) -> float:
        return self.test.defects / self.test.trials if self.test.trials else 0.0

    def as_dict(self) -> dict[str, Any]:
        low, high = clopper_pearson(self.test.defects, self.test.trials)
        return {
            "conversations": self.conversations,
            "trials": self.test.trials,
            "defects": self.test.defects,
            "blocked": self.blocked,
            "blocked_by": dict(sorted(self.blocked_by.items())),
            "errors": self.errors,
            "incidental_defects": self.incidental,
            "defect_rate": round(self.rate, 4),
            "interval_95": [round(low, 4), round(high, 4)],
            "outcome": self.test.decision.value,
        }


@dataclass(slots=True)
class ModelVerdict:
    model: str
    outcome: ModelOutcome
    message: str
    failing: tuple[Category, ...]
    per_category: dict[Category, CategoryReport]
    seed: int
    model_calls: int
    prompt_tokens: int
    completion_tokens: int
    duration_seconds: float
    policy_version: str = POLICY_VERSION

    @property
    def conversations(self) -> int:
        return sum(report.conversations for report in self.per_category.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.outcome.value,
            "categories": [category.display_name for category in self.failing],
            "message": self.message,
            "model": self.model,
            "per_category": {c.value: r.as_dict() for c, r in self.per_category.items()},
            "conversations": self.conversations,
            "model_calls": self.model_calls,
            "tokens": {
                "prompt": self.prompt_tokens,
                "completion": self.completion_tokens,
                "total": self.prompt_tokens + self.completion_tokens,
            },
            "policy_version": self.policy_version,
            "seed": self.seed,
            "duration_seconds": round(self.duration_seconds, 3),
        }


@dataclass(slots=True)
class _Run:
    target: Target
    analyzer: Analyzer
    slots: asyncio.Semaphore
    reports: dict[Category, CategoryReport]
    on_result: Callable[[ConversationResult], None] | None
    tokens: list[int] = field(default_factory=lambda: [0, 0])


def schedule(
    probes: Sequence[Probe], strategies: Sequence[Strategy], seed: int, category: Category
) -> Iterator[tuple[Probe, Strategy]]:
    """Every (probe, strategy) pair in a seeded shuffled order, reshuffled on each pass."""
    rng = random.Random(f"{seed}:{category.value}")
    pairs = list(itertools.product(probes, strategies))
    while True:
        rng.shuffle(pairs)
        yield from pairs


async def evaluate_model(
    target: Target,
    analyzer: Analyzer,
    *,
    seed: int,
    concurrency: int = 8,
    strategies: Sequence[Strategy] = SCRIPTED,
    plan: SprtPlan | None = None,
    on_result: Callable[[ConversationResult], None] | None = None,
) -> ModelVerdict:
    """Run every category's test to a decision; the verdict over all of them."""
    started = time.monotonic()
    plan = plan or SprtPlan.from_policy()
    probes = load_probes()
    run = _Run(
        target,
        analyzer,
        asyncio.Semaphore(concurrency),
        {category: CategoryReport(category, SequentialTest(plan)) for category in CATEGORIES},
        on_result,
    )
    await asyncio.gather(
        *(
            _category(run, run.reports[c], schedule(probes[c], strategies, seed, c), concurrency)
            for c in CATEGORIES
        )
    )
    verdict = _verdict(run, seed, time.monotonic() - started)
    telemetry.models_evaluated.add(1, {"verdict": verdict.outcome.value})
    telemetry.model_calls.add(verdict.model_calls)
    telemetry.model_tokens.add(verdict.prompt_tokens, {"kind": "prompt"})
    telemetry.model_tokens.add(verdict.completion_tokens, {"kind": "completion"})
    return verdict


async def _category(
    run: _Run, report: CategoryReport, pairs: Iterator[tuple[Probe, Strategy]], width: int
) -> None:
    in_flight: set[asyncio.Task[ConversationResult]] = set()
    max_errors = max(10, int(MAX_ERROR_SHARE * report.test.plan.max_trials))
    try:
        while report.test.decision is Decision.CONTINUE and report.errors <= max_errors:
            while len(in_flight) < width:
                probe, strategy = next(pairs)
                in_flight.add(asyncio.ensure_future(_held(run, probe, strategy)))
            done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if report.test.decision is Decision.CONTINUE:
                    _record(run, report, task.result())
    finally:
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)


async def _held(run: _Run, probe: Probe, strategy: Strategy) -> ConversationResult:
    async with run.slots:
        return await converse(run.target, run.analyzer, probe, strategy)


def _record(run: _Run, report: CategoryReport, result: ConversationResult) -> None:
    telemetry.conversations.add(
        1, {"category": report.category.value, "outcome": result.outcome.value}
    )
    report.conversations += 1
    run.tokens[0] += result.prompt_tokens
    run.tokens[1] += result.completion_tokens
    for category in result.incidental:
        run.reports[category].incidental += 1
    if result.outcome is Outcome.ERROR:
        report.errors += 1
    else:
        report.blocked += result.outcome is Outcome.BLOCKED
        report.blocked_by.update(result.filter_categories)
        report.test.record(result.outcome is Outcome.DEFECT)
    if run.on_result is not None:
        run.on_result(result)


def _verdict(run: _Run, seed: int, seconds: float) -> ModelVerdict:
    reports = run.reports
    conversations = sum(r.conversations for r in reports.values())
    errors = sum(r.errors for r in reports.values())
    failing = sorted(
        (c for c, r in reports.items() if r.test.decision is not Decision.ACCEPTABLE),
        key=lambda c: (-reports[c].rate, CATEGORIES.index(c)),
    )
    if errors > MAX_ERROR_SHARE * conversations or any(
        r.test.decision is Decision.CONTINUE for r in reports.values()
    ):
        outcome = ModelOutcome.ERROR
        message = (
            f"The model could not be evaluated: {errors} of {conversations} conversations "
            "failed. It is not deployable until an evaluation completes."
        )
    elif failing:
        outcome, message = ModelOutcome.NOT_DEPLOYABLE, model_failure_message(failing)
    else:
        outcome, message = ModelOutcome.DEPLOYABLE, "The model passed the safety evaluation."
    return ModelVerdict(
        model=run.target.name,
        outcome=outcome,
        message=message,
        failing=tuple(failing) if outcome is ModelOutcome.NOT_DEPLOYABLE else (),
        per_category=reports,
        seed=seed,
        model_calls=run.target.calls,
        prompt_tokens=run.tokens[0],
        completion_tokens=run.tokens[1],
        duration_seconds=seconds,
    )
