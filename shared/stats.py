"""Statistics for model evaluation: a calibrated sequential test and exact binomial intervals.

Each test's conversations are Bernoulli trials (defect or not). The test is
Wald's sequential probability ratio test (SPRT) between an acceptable rate p0
and an unacceptable rate p1: it looks at the evidence after every conversation
and stops at the first conclusive result. Among tests with the same error
risks the SPRT needs the fewest trials on average at p0 and at p1, which matters
because every conversation costs tokens and minutes of a rate-limited
deployment. It is truncated at a maximum; a test still undecided there fails
closed.

Wald's boundaries, log(alpha) and -log(beta) on the log-likelihood ratio, meet
the risks for certain but spend only part of them, so the test runs longer
than it must. :func:`calibrate` instead computes, by an exact dynamic programme
over every (trials, defects) state of the truncated test, the boundaries that
spend each risk as fully as the integer lattice allows: the widest accepting
region whose chance of accepting at p1 is still at most alpha, and the widest
rejecting region whose chance of rejecting at p0 is still at most beta. The
boundaries become two integer tables (accept at or below ``accept_at[n]``
defects, reject at or above ``reject_at[n]``), so the running test and the
programme that chose them read exactly the same states; nothing is rounded
differently in one than in the other.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from enum import Enum

from shared import policy


class Decision(Enum):
    """Where a sequential test stands."""

    CONTINUE = "continue"
    ACCEPTABLE = "acceptable"
    UNACCEPTABLE = "unacceptable"
    INCONCLUSIVE = "inconclusive"  # the maximum was reached: fails closed


@dataclass(frozen=True, slots=True)
class Operating:
    """What a plan does at one true defect rate, computed exactly."""

    accept: float
    reject: float
    inconclusive: float
    mean_trials: float
    # decided_by[n]: the chance the test has stopped within n trials (1.0 at the maximum,
    # where an undecided test stops inconclusive); rejected_by[n], stopped by rejecting.
    # What a cost estimate combines (``shared.evalcost``).
    decided_by: tuple[float, ...] = field(default=(), repr=False)
    rejected_by: tuple[float, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class SprtPlan:
    """A truncated sequential test: its risks and the boundaries that spend them.

    ``miss_risk`` bounds the chance of accepting at p1 (alpha); ``false_alarm_risk``
    the chance of rejecting at p0 (beta). Build plans with :meth:`calibrated`
    (exact boundaries) or :meth:`wald` (the classical ones, for comparison).
    """

    p0: float
    p1: float
    miss_risk: float
    false_alarm_risk: float
    max_trials: int
    accept_at: tuple[int, ...] = field(repr=False)  # index n: accept if defects <= this
    reject_at: tuple[int, ...] = field(repr=False)  # index n: reject if defects >= this

    @classmethod
    def calibrated(
        cls, p0: float, p1: float, miss_risk: float, false_alarm_risk: float, max_trials: int
    ) -> SprtPlan:
        """The plan whose boundaries spend both risks as fully as the lattice allows."""
        return _calibrated(p0, p1, miss_risk, false_alarm_risk, max_trials)

    @classmethod
    def wald(
        cls, p0: float, p1: float, miss_risk: float, false_alarm_risk: float, max_trials: int
    ) -> SprtPlan:
        """The plan with boundaries log(alpha) and -log(beta): safe, but it overspends trials.

        The test accepts only where the likelihood ratio p1:p0 is at most alpha, so
        P(accept | p1) <= alpha * P(accept | p0) <= alpha, and likewise for rejecting.
        """
        tables = _tables(p0, p1, max_trials, math.log(miss_risk), -math.log(false_alarm_risk))
        return cls(p0, p1, miss_risk, false_alarm_risk, max_trials, *tables)

    @classmethod
    def own_category(cls) -> SprtPlan:
        """The policy's test of a category on its own probes."""
        return cls.calibrated(*_policy_rates(), policy.FALSE_ALARM_RISK_OWN, _policy_max())

    @classmethod
    def cross_category(cls) -> SprtPlan:
        """The policy's test of a category on the other categories' probes."""
        return cls.calibrated(*_policy_rates(), policy.FALSE_ALARM_RISK_CROSS, _policy_max())

    def operating(self, rate: float) -> Operating:
        """The exact chances of each decision, and the mean trials, at a true rate."""
        return _operate(self.accept_at, self.reject_at, rate)


def _policy_rates() -> tuple[float, float, float]:
    return (
        policy.ACCEPTABLE_DEFECT_RATE,
        policy.UNACCEPTABLE_DEFECT_RATE,
        policy.MISS_RISK_PER_CATEGORY,
    )


def _policy_max() -> int:
    return policy.MAX_CONVERSATIONS_PER_CATEGORY


@dataclass(slots=True)
class SequentialTest:
    """One running test; feed it each conversation's outcome."""

    plan: SprtPlan
    trials: int = 0
    defects: int = 0
    decision: Decision = field(default=Decision.CONTINUE)

    def record(self, defect: bool) -> Decision:
        if self.decision is not Decision.CONTINUE:
            raise ValueError("the test has already decided")
        self.trials += 1
        self.defects += defect
        if self.defects <= self.plan.accept_at[self.trials]:
            self.decision = Decision.ACCEPTABLE
        elif self.defects >= self.plan.reject_at[self.trials]:
            self.decision = Decision.UNACCEPTABLE
        elif self.trials >= self.plan.max_trials:
            self.decision = Decision.INCONCLUSIVE
        return self.decision


# --------------------------------------------------------------------------- calibration


def _tables(
    p0: float, p1: float, max_trials: int, accept_bound: float, reject_bound: float
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Integer boundaries for log-likelihood-ratio bounds, one entry per trial count.

    After n trials with d defects the ratio is d * up + (n - d) * down; it is at or
    below ``accept_bound`` exactly when d <= floor((accept_bound - n * down) / (up - down)).
    """
    up, down = math.log(p1 / p0), math.log((1 - p1) / (1 - p0))
    slope = up - down
    accept = tuple(math.floor((accept_bound - n * down) / slope) for n in range(max_trials + 1))
    reject = tuple(math.ceil((reject_bound - n * down) / slope) for n in range(max_trials + 1))
    return accept, reject


def _operate(accept_at: tuple[int, ...], reject_at: tuple[int, ...], rate: float) -> Operating:
    """Walk every (trials, defects) state of the test once, carrying its probability."""
    max_trials = len(accept_at) - 1
    alive = [1.0]  # alive[d]: chance of being undecided after n trials with d defects
    accepted = rejected = mean = 0.0
    decided_by, rejected_by = [0.0], [0.0]
    for n in range(1, max_trials + 1):
        step = [0.0] * (len(alive) + 1)
        for defects, mass in enumerate(alive):
            if mass:
                step[defects] += mass * (1 - rate)
                step[defects + 1] += mass * rate
        low, high = accept_at[n], reject_at[n]
        for defects, mass in enumerate(step):
            if defects <= low:
                accepted += mass
            elif defects >= high:
                rejected += mass
            else:
                continue
            mean += n * mass
            step[defects] = 0.0
        while step and not step[-1]:
            step.pop()  # states past the rejecting bound are empty
        alive = step
        decided_by.append(accepted + rejected)
        rejected_by.append(rejected)
    left = math.fsum(alive)
    decided_by[-1] = 1.0  # the maximum: whatever is left stops, inconclusive
    return Operating(
        accepted, rejected, left, mean + max_trials * left, tuple(decided_by), tuple(rejected_by)
    )


def _lattice(p0: float, p1: float, max_trials: int) -> list[float]:
    """Every log-likelihood-ratio value the test can reach, sorted: the only places a
    boundary can usefully sit between."""
    up, down = math.log(p1 / p0), math.log((1 - p1) / (1 - p0))
    return sorted({d * up + (n - d) * down for n in range(max_trials + 1) for d in range(n + 1)})


@functools.cache
def _calibrated(p0: float, p1: float, miss: float, false_alarm: float, max_trials: int) -> SprtPlan:
    """Widen each boundary as far as its risk allows, in turn, until neither moves.

    Start from Wald's bounds, which meet both risks. Moving the accepting bound up
    only adds accepting states, which lowers the chance of rejecting anywhere, so
    the false-alarm risk stays met; moving the rejecting bound down likewise keeps
    the miss risk met. Each move is a bisection over the reachable ratio values,
    each probe of it one exact walk of the test; the two bounds are monotone and
    bounded, so the alternation stops.
    """
    values = _lattice(p0, p1, max_trials)
    accept_bound, reject_bound = math.log(miss), -math.log(false_alarm)

    def midpoint(index: int) -> float:
        """A bound strictly between two reachable values: no state sits on it."""
        return (values[index] + values[index + 1]) / 2

    def misses(bound: float) -> float:
        accept, reject = _tables(p0, p1, max_trials, bound, reject_bound)
        return _operate(accept, reject, p1).accept

    def alarms(bound: float) -> float:
        accept, reject = _tables(p0, p1, max_trials, accept_bound, bound)
        return _operate(accept, reject, p0).reject

    while True:
        # The largest accepting bound whose miss risk is met.
        low = _index_below(values, accept_bound)
        high = len(values) - 2
        while low < high:
            middle = (low + high + 1) // 2
            if misses(midpoint(middle)) <= miss:
                low = middle
            else:
                high = middle - 1
        new_accept = max(accept_bound, midpoint(low)) if low >= 0 else accept_bound
        # The smallest rejecting bound whose false-alarm risk is met.
        low, high = 0, _index_below(values, reject_bound)
        while low < high:
            middle = (low + high) // 2
            if alarms(midpoint(middle)) <= false_alarm:
                high = middle
            else:
                low = middle + 1
        new_reject = min(reject_bound, midpoint(high))
        if _tables(p0, p1, max_trials, new_accept, new_reject) == _tables(
            p0, p1, max_trials, accept_bound, reject_bound
        ):
            tables = _tables(p0, p1, max_trials, new_accept, new_reject)
            return SprtPlan(p0, p1, miss, false_alarm, max_trials, *tables)
        accept_bound, reject_bound = new_accept, new_reject


def _index_below(values: list[float], bound: float) -> int:
    """The index of the largest reachable value at or below ``bound`` (-1 if none)."""
    low, high = 0, len(values)
    while low < high:
        middle = (low + high) // 2
        if values[middle] <= bound:
            low = middle + 1
        else:
            high = middle
    return low - 1


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
