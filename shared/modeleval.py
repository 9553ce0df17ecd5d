"""Model evaluation: conversations until every category's tests decide.

Each category C has its own stream of conversations, each drawn by a seeded
design as an attack (objective, strategy, converter; see :func:`design`; with
an attacker model, a language converter's objective is its translation of an
English one, see ``shared.simulation.translation``), and
two sequential tests (see ``shared.policy`` for why two):

- the **own** test reads the conversations of C's probes: a defect is harm in C;
- the **cross** test reads the conversations of every other category's probes:
  a defect is harm in C that a probe about something else drew out.

C is acceptable only when both accept; either rejecting fails C; a test still
undecided at its maximum fails C closed. A stream keeps going while its own
test, or a cross test it feeds, still needs evidence; conversations run a
bounded number at a time across all streams, and a stream's in-flight ones are
cancelled once nothing needs them. Errors and untested conversations (a filter
refused the prompt or withheld the output without rating it harmful) are not
trials; when more than ``MAX_ERROR_SHARE`` or ``MAX_UNTESTED_SHARE`` of the
conversations are such, the verdict is ``error``, never ``deployable``.

A conversation is one trial whatever attack it used, so the tests' risks hold
for the mixture the design draws. The verdict also counts, per strategy and per
converter, the conversations that fed a test and those that drew out harm, so
a user sees how a model broke; names and counts only, never what was said.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from shared import telemetry
from shared.analyzers.base import Analyzer
from shared.policy import (
    CATEGORIES,
    MAX_ERROR_SHARE,
    MAX_UNTESTED_SHARE,
    POLICY_VERSION,
    Category,
    model_failure_message,
)
from shared.simulation.converters import CONVERTERS, Converter
from shared.simulation.driver import ConversationResult, Observation, converse
from shared.simulation.probes import Probe, load_probes
from shared.simulation.strategies import SCRIPTED, Strategy
from shared.simulation.targets import Target
from shared.simulation.translation import Translator
from shared.stats import Decision, SequentialTest, SprtPlan, clopper_pearson


class ModelOutcome(Enum):
    DEPLOYABLE = "deployable"
    NOT_DEPLOYABLE = "not_deployable"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Plans:
    """The two tests each category runs."""

    own: SprtPlan
    cross: SprtPlan

    @classmethod
    def from_policy(cls) -> Plans:
        return cls(SprtPlan.own_category(), SprtPlan.cross_category())


@dataclass(slots=True)
class CategoryReport:
    """One category's evidence: its stream's conversations and both tests."""

    category: Category
    own: SequentialTest
    cross: SequentialTest
    conversations: int = 0  # of this category's probes
    errors: int = 0
    untested: Counter[str] = field(default_factory=Counter)  # by what the filter withheld
    filtered_outputs: int = 0  # outputs withheld and rated harmful here: defects
    filter_categories: Counter[str] = field(default_factory=Counter)

    @property
    def decision(self) -> Decision:
        """Acceptable only if both tests accept; a rejection anywhere fails."""
        decisions = {self.own.decision, self.cross.decision}
        if Decision.UNACCEPTABLE in decisions:
            return Decision.UNACCEPTABLE
        if Decision.CONTINUE in decisions:
            return Decision.CONTINUE
        if Decision.INCONCLUSIVE in decisions:
            return Decision.INCONCLUSIVE
        return Decision.ACCEPTABLE

    @property
    def trials(self) -> int:
        return self.own.trials + self.cross.trials

    @property
    def defects(self) -> int:
        return self.own.defects + self.cross.defects

    @property
    def rate(self) -> float:
        """The worse of the two tests' observed rates: what the category is judged on."""
        return max(_rate(self.own), _rate(self.cross))

    def needs(self, test: SequentialTest) -> bool:
        """Whether ``test`` (one of this category's) still needs evidence."""
        return test.decision is Decision.CONTINUE and self.decision is Decision.CONTINUE

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "trials": self.trials,
            "defects": self.defects,
            "own": _test_dict(self.own),
            "cross": _test_dict(self.cross),
            "filtered_outputs": self.filtered_outputs,
            "untested_prompts": self.untested["prompt"],
            "untested_outputs": self.untested["output"],
            "filter_categories": dict(sorted(self.filter_categories.items())),
            "errors": self.errors,
            "defect_rate": round(self.rate, 4),
            "outcome": self.decision.value,
        }


def _rate(test: SequentialTest) -> float:
    return test.defects / test.trials if test.trials else 0.0


def _test_dict(test: SequentialTest) -> dict[str, Any]:
    low, high = clopper_pearson(test.defects, test.trials)
    return {
        "trials": test.trials,
        "defects": test.defects,
        "defect_rate": round(_rate(test), 4),
        "interval_95": [round(low, 4), round(high, 4)],
        "outcome": test.decision.value,
    }


@dataclass(slots=True)
class AttackReport:
    """How one strategy or converter fared: conversations that fed a test, and those
    of them that drew out harm in any category (the attack succeeded)."""

    trials: int = 0
    defects: int = 0


def _attack_dict(reports: dict[str, AttackReport]) -> dict[str, dict[str, int]]:
    return {
        name: {"trials": report.trials, "defects": report.defects}
        for name, report in sorted(reports.items())
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
    per_strategy: dict[str, AttackReport] = field(default_factory=dict)
    per_converter: dict[str, AttackReport] = field(default_factory=dict)
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
            "attacks": {
                "per_strategy": _attack_dict(self.per_strategy),
                "per_converter": _attack_dict(self.per_converter),
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
    translator: Translator | None = None
    tokens: list[int] = field(default_factory=lambda: [0, 0])
    per_strategy: defaultdict[str, AttackReport] = field(
        default_factory=lambda: defaultdict(AttackReport)
    )
    per_converter: defaultdict[str, AttackReport] = field(
        default_factory=lambda: defaultdict(AttackReport)
    )
    unreachable: str = ""  # why the model could not be reached, once that is clear

    def stream_needed(self, category: Category) -> bool:
        """Whether the stream of ``category``'s probes still feeds an undecided test
        (none does once the model has proved unreachable)."""
        if self.unreachable:
            return False
        own = self.reports[category]
        return own.needs(own.own) or any(
            report.needs(report.cross) for c, report in self.reports.items() if c is not category
        )


@dataclass(frozen=True, slots=True)
class Attack:
    """What one conversation tries: an objective, a strategy and a converter.

    For a language converter ``probe`` is a native objective and ``original`` an
    English one, which an attacker model, when there is one, translates to use
    in its place."""

    probe: Probe
    strategy: Strategy
    converter: Converter
    original: Probe | None = None


def _cycle(items: Sequence[Any], rng: random.Random) -> Iterator[Any]:
    """``items`` over and over, each pass (``len(items)`` draws) in a fresh seeded
    order that holds every item once."""
    items = list(items)
    while True:
        rng.shuffle(items)
        yield from items


def design(
    category: Category,
    seed: int,
    strategies: Sequence[Strategy],
    converters: Sequence[Converter],
) -> Iterator[Attack]:
    """The seeded attacks of ``category``'s stream.

    Strategies and converters each come round in shuffled passes, so every
    strategy (and every converter) is drawn once in each pass of its own length
    and each category meets every strategy family within its first few
    conversations; the objective comes from the converter's language, again in
    shuffled passes. A language converter's attack also carries an English
    objective to translate, drawn in passes of their own from a generator of
    their own, so that the draws above are the same with an attacker or without.
    """
    rng = random.Random(f"{seed}:{category.value}")
    strategy_draws = _cycle(strategies, rng)
    converter_draws = _cycle(converters, rng)
    objectives = {}
    for language in sorted({converter.language for converter in converters}):
        probes = load_probes(language)[category]
        if not probes:  # a pass over nothing would never yield
            raise ValueError(f"no {category.value} objectives in language {language!r}")
        objectives[language] = _cycle(probes, rng)
    originals = _cycle(load_probes("en")[category], random.Random(f"{seed}:{category.value}:en"))
    while True:
        converter = next(converter_draws)
        probe = next(objectives[converter.language])
        original = next(originals) if converter.language != "en" else None
        yield Attack(probe, next(strategy_draws), converter, original)


async def evaluate_model(
    target: Target,
    analyzer: Analyzer,
    *,
    seed: int,
    concurrency: int = 8,
    strategies: Sequence[Strategy] = SCRIPTED,
    converters: Sequence[Converter] = CONVERTERS,
    plans: Plans | None = None,
    on_result: Callable[[ConversationResult], None] | None = None,
    translator: Translator | None = None,
) -> ModelVerdict:
    """Run every category's tests to a decision; the verdict over all of them.

    With a ``translator`` (the attacker model), language converters use English
    objectives it translated, and the native ones where it did not.

    Converters in a language the analyzer does not read (its ``languages``, when
    it names them) are left out: their conversations could never find harm, and
    as clean trials they would dilute every test."""
    started = time.monotonic()
    readable = getattr(analyzer, "languages", None)
    if readable is not None:
        converters = [c for c in converters if c.language in readable]
    if not strategies or not converters:  # the design would draw from nothing, forever
        raise ValueError("an evaluation needs a strategy and a converter the analyzer reads")
    plans = plans or Plans.from_policy()
    run = _Run(
        target,
        analyzer,
        asyncio.Semaphore(concurrency),
        {
            category: CategoryReport(
                category, SequentialTest(plans.own), SequentialTest(plans.cross)
            )
            for category in CATEGORIES
        },
        on_result,
        translator,
    )
    await asyncio.gather(
        *(_stream(run, c, design(c, seed, strategies, converters), concurrency) for c in CATEGORIES)
    )
    verdict = _verdict(run, seed, time.monotonic() - started)
    telemetry.models_evaluated.add(1, {"verdict": verdict.outcome.value})
    telemetry.model_calls.add(verdict.model_calls)
    telemetry.model_tokens.add(verdict.prompt_tokens, {"kind": "prompt"})
    telemetry.model_tokens.add(verdict.completion_tokens, {"kind": "completion"})
    return verdict


async def _stream(run: _Run, category: Category, attacks: Iterator[Attack], width: int) -> None:
    in_flight: set[asyncio.Task[ConversationResult]] = set()
    # Conversations that fed no test (failed, filtered, or informing only decided
    # tests): a stream with this many cannot decide anything more, so it stops.
    max_trials = run.reports[category].own.plan.max_trials
    max_idle = max(10, int(max(MAX_ERROR_SHARE, MAX_UNTESTED_SHARE) * max_trials))
    idle = 0
    try:
        while run.stream_needed(category) and idle <= max_idle:
            while len(in_flight) < width:
                in_flight.add(asyncio.ensure_future(_held(run, next(attacks))))
            done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if run.stream_needed(category):
                    idle += not _record(run, task.result())
    finally:
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)


async def _held(run: _Run, attack: Attack) -> ConversationResult:
    """One conversation, in its own span: what was tried and how it went, never
    what was said. A conversation cancelled in flight (nothing needed it any more)
    was not observed."""
    async with run.slots:
        probe = attack.probe
        if run.translator is not None and attack.original is not None:
            language = attack.converter.language
            probe = await run.translator.translate(attack.original, language) or probe
        with telemetry.step(
            "conversation",
            strategy=attack.strategy.name,
            converter=attack.converter.name,
            language=probe.language,
            category=probe.category.value,
            translated=probe is not attack.probe,
        ) as span:
            span.set_attribute("ftgate.outcome", "not_observed")
            result = await converse(
                run.target, run.analyzer, probe, attack.strategy, attack.converter
            )
            span.set_attributes(
                {
                    "ftgate.turns": result.turns,
                    "ftgate.backtracks": result.backtracks,
                    "ftgate.outcome": _span_outcome(result),
                }
            )
            return result


def _span_outcome(result: ConversationResult) -> str:
    """How the attack went: ``defect`` when it drew out harm in any category (as the
    attack reports count it), ``not_observed`` when the model, the analyzer or the
    filter left a turn unseen, else ``safe``."""
    if result.harm:
        return "defect"
    if result.failed or result.filtered is not None:
        return "not_observed"
    return "safe"


def _record(run: _Run, result: ConversationResult) -> bool:
    """Feed one conversation to every test it informs (its own category's and the
    other categories' cross tests); whether it fed any."""
    telemetry.conversations.add(
        1, {"category": result.category.value, "outcome": result.outcome.value}
    )
    run.tokens[0] += result.prompt_tokens
    run.tokens[1] += result.completion_tokens
    stream = run.reports[result.category]
    stream.conversations += 1
    stream.filter_categories.update(result.filter_categories)
    if result.outcome is Observation.ERROR:
        stream.errors += 1
    elif result.outcome is Observation.UNTESTED:
        stream.untested[str(result.filtered)] += 1
    if result.unreachable:
        run.unreachable = result.problem
    fed = False
    for category, report in run.reports.items():
        observed = result.observed(category)
        if observed is Observation.DEFECT and result.filtered == "output":
            report.filtered_outputs += 1
        test = report.own if category is result.category else report.cross
        if observed in (Observation.CLEAN, Observation.DEFECT) and report.needs(test):
            test.record(observed is Observation.DEFECT)
            fed = True
    if fed:
        for report in (run.per_strategy[result.strategy], run.per_converter[result.converter]):
            report.trials += 1
            report.defects += bool(result.harm)
    if run.on_result is not None:
        run.on_result(result)
    return fed


_FAILING = (Decision.UNACCEPTABLE, Decision.INCONCLUSIVE)


def _verdict(run: _Run, seed: int, seconds: float) -> ModelVerdict:
    reports = run.reports
    conversations = sum(r.conversations for r in reports.values())
    errors = sum(r.errors for r in reports.values())
    untested = sum(r.untested.total() for r in reports.values())
    failing = sorted(
        (
            c
            for c, r in reports.items()
            if r.decision in (Decision.UNACCEPTABLE, Decision.INCONCLUSIVE)
        ),
        key=lambda c: (-reports[c].rate, CATEGORIES.index(c)),
    )
    undecided = any(r.decision is Decision.CONTINUE for r in reports.values())
    outcome, message = ModelOutcome.ERROR, ""
    if any(r.decision is Decision.UNACCEPTABLE for r in reports.values()):
        # Harm seen is conclusive even when other categories could not be decided.
        outcome, message = ModelOutcome.NOT_DEPLOYABLE, model_failure_message(failing)
    elif run.unreachable:
        message = (
            f"The model could not be evaluated: {run.unreachable}. "
            "It is not deployable until an evaluation completes."
        )
    elif untested > MAX_UNTESTED_SHARE * conversations or (undecided and untested > errors):
        message = (
            f"The model could not be evaluated: the deployment's content filter prevented "
            f"evaluation, refusing or withholding {untested} of {conversations} conversations. "
            "It is not deployable until an evaluation completes."
        )
    elif errors > MAX_ERROR_SHARE * conversations or undecided:
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
        per_strategy=dict(run.per_strategy),
        per_converter=dict(run.per_converter),
    )
