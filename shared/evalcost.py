"""What evaluating a model would cost, before it runs: conversations, model calls, tokens.

**Conversations** come from the sequential tests' operating characteristic
(:meth:`shared.stats.SprtPlan.operating`). A category's stream runs while its own
test or a cross test it feeds (the other categories', each fed by three streams
at an even pace, so a third of its trials in stream steps) still needs evidence;
a test stops being needed when it decides or when its category's other test
rejects. So a stream's length is the largest of those needs' ends; the tests'
stopping and rejecting times are exact and combined as if independent (harm in
one category tells nothing about another). The scenarios are every category
clean (the least an evaluation can take), at the acceptable rate p0, at the
unacceptable rate p1, and the cap: every test running to its maximum.

**Calls and tokens** come from the strategies themselves: each scripted strategy
writes its turns for each probe, against stand-in answers of the expected
length, and the schedule draws every (probe, strategy) pair equally often. A
conversation is assumed to run its strategy to the end (harm ends one early, so
a harmful model costs less than this). Tokens are characters / 4, the usual
rule of thumb for English with OpenAI's tokenizers; no tokenizer ships here. What
the model answers is unknown before it runs, so answers are ``answer_tokens``
long (default: the cap ftgate asks for); the cap scenario always uses the cap.
Retries (429, 5xx) and conversations that test nothing (errors, filtered prompts,
at most a tenth before the verdict is ``error``) are not included.

Prices are the caller's, per million tokens: none is written here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from shared import policy
from shared.modeleval import Plans
from shared.policy import CATEGORIES
from shared.simulation.driver import MAX_USER_TURNS
from shared.simulation.probes import Probe, load_probes
from shared.simulation.strategies import Strategy
from shared.trainingdata import CHARS_PER_TOKEN

ANSWER_CAP: Final[int] = policy.MAX_ANSWER_TOKENS


@dataclass(frozen=True, slots=True)
class Usage:
    """Conversations, model calls and tokens: an estimate's or a run's."""

    conversations: float
    calls: float
    prompt_tokens: float
    completion_tokens: float

    def price(self, prompt_price: float | None, completion_price: float | None) -> float | None:
        """The tokens at the caller's prices per million, or None without both."""
        if prompt_price is None or completion_price is None:
            return None
        return (self.prompt_tokens * prompt_price + self.completion_tokens * completion_price) / 1e6

    def as_dict(self) -> dict[str, int]:
        return {
            "conversations": round(self.conversations),
            "model_calls": round(self.calls),
            "prompt_tokens": round(self.prompt_tokens),
            "completion_tokens": round(self.completion_tokens),
        }


@dataclass(frozen=True, slots=True)
class EvaluationEstimate:
    """The three scenarios, and what they assumed."""

    scenarios: dict[str, Usage]  # "clean 0%", "p0 2%", "p1 8%", "cap"
    answer_tokens: int
    prompt_price: float | None
    completion_price: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimate": "eval-model",
            "answer_tokens": self.answer_tokens,
            "answer_cap": ANSWER_CAP,
            "prices_per_million_tokens": {
                "prompt": self.prompt_price,
                "completion": self.completion_price,
            },
            "scenarios": {
                name: {
                    **usage.as_dict(),
                    "price": usage.price(self.prompt_price, self.completion_price),
                }
                for name, usage in self.scenarios.items()
            },
        }


@dataclass(frozen=True, slots=True)
class _PerConversation:
    """One category's conversation cost: the mean over its pairs, and the most."""

    mean: Usage
    most: Usage


async def estimate_evaluation(
    strategies: Sequence[Strategy],
    *,
    answer_tokens: int = ANSWER_CAP,
    prompt_price: float | None = None,
    completion_price: float | None = None,
    plans: Plans | None = None,
) -> EvaluationEstimate:
    """Expected usage at p0 and p1, and the cap, for an evaluation with ``strategies``."""
    plans = plans or Plans.from_policy()
    probes = load_probes()
    typical = {c: await _per_conversation(probes[c], strategies, answer_tokens) for c in CATEGORIES}
    capped = {c: await _per_conversation(probes[c], strategies, ANSWER_CAP) for c in CATEGORIES}
    scenarios = {}
    for label, rate in (
        ("clean", 0.0),
        ("p0", policy.ACCEPTABLE_DEFECT_RATE),
        ("p1", policy.UNACCEPTABLE_DEFECT_RATE),
    ):
        length = expected_stream_length(plans, rate)
        scenarios[f"{label} {rate:.0%}"] = _total(length, [typical[c].mean for c in CATEGORIES])
    scenarios["cap"] = _total(plans.own.max_trials, [capped[c].most for c in CATEGORIES])
    return EvaluationEstimate(scenarios, answer_tokens, prompt_price, completion_price)


def expected_stream_length(plans: Plans, rate: float) -> float:
    """The mean conversations of one category's stream when every category's defect
    rate is ``rate``.

    After n steps of every stream, a test with k feeding streams has had k * n
    trials. The stream's own test is needed until it stops or the category's cross
    test rejects; each cross test it feeds, until it stops or that category's own
    test rejects. The stream ends when none is needed: the chance it has ended by
    step n is the product of those chances, and the mean is the sum of the rest.
    """
    others = len(CATEGORIES) - 1
    own, cross = plans.own.operating(rate), plans.cross.operating(rate)

    def at(series: tuple[float, ...], trials: int) -> float:
        return series[min(trials, len(series) - 1)]

    mean = 0.0
    for n in range(plans.own.max_trials):
        own_done = at(own.decided_by, n) + (1 - at(own.decided_by, n)) * at(
            cross.rejected_by, others * n
        )
        cross_done = at(cross.decided_by, others * n) + (1 - at(cross.decided_by, others * n)) * at(
            own.rejected_by, n
        )
        mean += 1 - own_done * cross_done**others
    return mean


def _total(per_stream: float, costs: list[Usage]) -> Usage:
    """Every category's stream at ``per_stream`` conversations, each at its category's cost."""
    return Usage(
        per_stream * len(costs),
        per_stream * sum(c.calls for c in costs),
        per_stream * sum(c.prompt_tokens for c in costs),
        per_stream * sum(c.completion_tokens for c in costs),
    )


async def _per_conversation(
    probes: Sequence[Probe], strategies: Sequence[Strategy], answer_tokens: int
) -> _PerConversation:
    costs = [await _conversation(p, s, answer_tokens) for p in probes for s in strategies]
    count = len(costs)
    mean = Usage(
        1.0,
        sum(c.calls for c in costs) / count,
        sum(c.prompt_tokens for c in costs) / count,
        sum(c.completion_tokens for c in costs) / count,
    )
    most = max(costs, key=lambda c: (c.prompt_tokens + c.completion_tokens, c.calls))
    return _PerConversation(mean, most)


async def _conversation(probe: Probe, strategy: Strategy, answer_tokens: int) -> Usage:
    """One conversation run to its strategy's end against stand-in answers: the strategy
    writes its real turns, so their lengths are the ones a real run sends."""
    answer = "word " * answer_tokens  # words, so a strategy quoting the answer quotes words
    conversation: list[dict[str, str]] = []
    turn: str | None = strategy.opening(probe)
    calls = prompt = 0.0
    while turn is not None and calls < MAX_USER_TURNS:
        conversation.append({"role": "user", "content": turn})
        calls += 1
        prompt += sum(_tokens(m["content"]) for m in conversation if m["role"] == "user")
        prompt += answer_tokens * (calls - 1)  # the answers so far are part of every prompt
        conversation.append({"role": "assistant", "content": answer})
        turn = await strategy.follow_up(probe, conversation)
    return Usage(1.0, calls, prompt, calls * answer_tokens)


def _tokens(text: str) -> float:
    return math.ceil(len(text) / CHARS_PER_TOKEN)
