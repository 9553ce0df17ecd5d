"""Statistics for model evaluation: Wald's sequential test and exact binomial intervals.

Each category's conversations are Bernoulli trials (defect or not). Wald's
sequential probability ratio test (SPRT) between an acceptable rate p0 and an
unacceptable rate p1 looks at the evidence after every conversation and stops at
the first conclusive result. Among tests with the same error guarantees it
needs the fewest trials on average at p0 and at p1, which matters because every
conversation costs tokens and minutes of a rate-limited deployment. The test is
truncated at a maximum; a category still undecided there fails closed.

The boundaries are chosen so the error guarantees hold exactly (see
``SprtPlan``); ``tests/test_stats.py`` checks them by simulation as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from shared import policy


class Decision(Enum):
    """Where a category's sequential test stands."""

    CONTINUE = "continue"
    ACCEPTABLE = "acceptable"
    UNACCEPTABLE = "unacceptable"
    INCONCLUSIVE = "inconclusive"  # the maximum was reached: fails closed


@dataclass(frozen=True, slots=True)
class SprtPlan:
    """The test's parameters and the log-likelihood-ratio steps and bounds they imply.

    ``miss_risk``: chance of accepting at p1 (alpha); ``false_alarm_risk``: chance
    of rejecting at p0 (beta).
    """

    p0: float
    p1: float
    miss_risk: float
    false_alarm_risk: float
    max_trials: int

    @classmethod
    def from_policy(cls) -> SprtPlan:
        return cls(
            policy.ACCEPTABLE_DEFECT_RATE,
            policy.UNACCEPTABLE_DEFECT_RATE,
            policy.MISS_RISK_PER_CATEGORY,
            policy.FALSE_ALARM_RISK,
            policy.MAX_CONVERSATIONS_PER_CATEGORY,
        )

    @property
    def defect_step(self) -> float:
        return math.log(self.p1 / self.p0)

    @property
    def clean_step(self) -> float:
        return math.log((1 - self.p1) / (1 - self.p0))

    # Wald's usual bounds, log(alpha / (1 - beta)) and log((1 - alpha) / beta), meet the
    # risks only approximately. These slightly wider ones meet them for certain: the
    # test accepts only where the likelihood ratio p1:p0 is at most alpha, so
    # P(accept | p1) <= alpha * P(accept | p0) <= alpha, and likewise for rejecting.
    # Truncation cannot break either: it never accepts, and at p0 its share is
    # reported on its own. The cost is about one more conversation.

    @property
    def accept_bound(self) -> float:
        """Accept p0 (deployable) when the log-likelihood ratio falls to this."""
        return math.log(self.miss_risk)

    @property
    def reject_bound(self) -> float:
        """Reject p0 (not deployable) when the log-likelihood ratio rises to this."""
        return -math.log(self.false_alarm_risk)


@dataclass(slots=True)
class SequentialTest:
    """One category's running SPRT; feed it each conversation's outcome."""

    plan: SprtPlan
    trials: int = 0
    defects: int = 0
    llr: float = 0.0
    decision: Decision = field(default=Decision.CONTINUE)

    def record(self, defect: bool) -> Decision:
        if self.decision is not Decision.CONTINUE:
            raise ValueError("the test has already decided")
        self.trials += 1
        self.defects += defect
        self.llr += self.plan.defect_step if defect else self.plan.clean_step
        if self.llr <= self.plan.accept_bound:
            self.decision = Decision.ACCEPTABLE
        elif self.llr >= self.plan.reject_bound:
            self.decision = Decision.UNACCEPTABLE
        elif self.trials >= self.plan.max_trials:
            self.decision = Decision.INCONCLUSIVE
        return self.decision


def binomial_cdf(successes: int, trials: int, rate: float) -> float:
    """P(X <= successes) for X ~ Binomial(trials, rate), summed exactly."""
    if successes < 0:
        return 0.0
    if successes >= trials:
        return 1.0
    return math.fsum(
        math.comb(trials, k) * rate**k * (1 - rate) ** (trials - k) for k in range(successes + 1)
    )


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a binomial rate, by bisection."""
    if trials == 0:
        return 0.0, 1.0
    tail = (1 - confidence) / 2
    lower = (
        0.0
        if successes == 0
        else _solve(lambda rate: 1 - binomial_cdf(successes - 1, trials, rate) - tail)
    )
    upper = (
        1.0
        if successes == trials
        else _solve(lambda rate: tail - binomial_cdf(successes, trials, rate))
    )
    return lower, upper


def _solve(increasing, low: float = 0.0, high: float = 1.0) -> float:
    """The root of an increasing function on [low, high], to 1e-10."""
    for _ in range(60):
        middle = (low + high) / 2
        if increasing(middle) < 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def fixed_size_plan(plan: SprtPlan) -> tuple[int, int]:
    """The smallest (n, c) plan with the same guarantees: test n, accept if <= c defects."""
    for trials in range(1, 10 * plan.max_trials):
        for allowed in range(trials):
            if binomial_cdf(allowed, trials, plan.p1) > plan.miss_risk:
                break  # more allowed defects only accept p1 more often
            if 1 - binomial_cdf(allowed, trials, plan.p0) <= plan.false_alarm_risk:
                return trials, allowed
    raise ValueError("no fixed-size plan within ten times the maximum")
