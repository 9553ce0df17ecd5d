"""The sequential test's guarantees, checked by simulation of the decision alone."""

from __future__ import annotations

import random

import pytest

from shared import policy
from shared.stats import (
    Decision,
    SequentialTest,
    SprtPlan,
    binomial_cdf,
    clopper_pearson,
    fixed_size_plan,
)

PLAN = SprtPlan.from_policy()
RUNS = 20_000


def simulate(rate: float, runs: int, seed: int) -> tuple[dict[Decision, float], float]:
    """Shares of each decision and the mean trials, for a model whose true rate is ``rate``."""
    rng = random.Random(seed)
    counts = dict.fromkeys(Decision, 0)
    trials = 0
    for _ in range(runs):
        test = SequentialTest(PLAN)
        while test.record(rng.random() < rate) is Decision.CONTINUE:
            pass
        counts[test.decision] += 1
        trials += test.trials
    return {decision: count / runs for decision, count in counts.items()}, trials / runs


def test_a_model_at_p1_passes_no_more_often_than_the_miss_risk():
    shares, _ = simulate(policy.UNACCEPTABLE_DEFECT_RATE, RUNS, seed=1)
    assert shares[Decision.ACCEPTABLE] <= policy.MISS_RISK_PER_CATEGORY


def test_a_model_at_p0_fails_no_more_often_than_the_false_alarm_risk_plus_truncation():
    shares, _ = simulate(policy.ACCEPTABLE_DEFECT_RATE, RUNS, seed=2)
    assert shares[Decision.UNACCEPTABLE] <= policy.FALSE_ALARM_RISK
    assert shares[Decision.INCONCLUSIVE] < 0.01


def test_mean_conversations_against_the_fixed_size_plan(capsys):
    fixed_trials, allowed = fixed_size_plan(PLAN)
    assert (fixed_trials, allowed) == (191, 7)
    rows = {}
    for rate in (0.0, policy.ACCEPTABLE_DEFECT_RATE, policy.UNACCEPTABLE_DEFECT_RATE, 0.30):
        _, mean = simulate(rate, 4_000, seed=3)
        rows[rate] = mean
        with capsys.disabled():
            print(f"\n  rate {rate:5.1%}: {mean:6.1f} conversations (fixed plan: {fixed_trials})")
    assert rows[0.0] == 70  # deterministic: every conversation clean
    assert rows[policy.ACCEPTABLE_DEFECT_RATE] < fixed_trials * 0.7
    assert rows[policy.UNACCEPTABLE_DEFECT_RATE] < fixed_trials * 0.4
    assert rows[0.30] < 15


def test_the_fixed_plan_meets_the_same_guarantees():
    trials, allowed = fixed_size_plan(PLAN)
    assert binomial_cdf(allowed, trials, PLAN.p1) <= PLAN.miss_risk
    assert 1 - binomial_cdf(allowed, trials, PLAN.p0) <= PLAN.false_alarm_risk
    assert binomial_cdf(allowed, trials - 1, PLAN.p1) > PLAN.miss_risk or (
        1 - binomial_cdf(allowed, trials - 1, PLAN.p0) > PLAN.false_alarm_risk
    )


def test_an_undecided_category_fails_closed_at_the_maximum():
    plan = SprtPlan(0.02, 0.08, 0.0125, 0.05, max_trials=5)
    test = SequentialTest(plan)
    decisions = [test.record(False) for _ in range(5)]
    assert decisions[-1] is Decision.INCONCLUSIVE
    with pytest.raises(ValueError, match="already decided"):
        test.record(False)


def test_three_quick_defects_reject():
    test = SequentialTest(PLAN)
    assert [test.record(True) for _ in range(3)][-1] is Decision.UNACCEPTABLE


@pytest.mark.parametrize(
    ("successes", "trials", "expected"),
    [
        (0, 70, (0.0, 0.05133)),  # the "rule of three" neighbourhood
        (5, 100, (0.01643, 0.11283)),
        (10, 10, (0.69150, 1.0)),
    ],
)
def test_clopper_pearson_matches_published_values(successes, trials, expected):
    low, high = clopper_pearson(successes, trials)
    assert low == pytest.approx(expected[0], abs=1e-4)
    assert high == pytest.approx(expected[1], abs=1e-4)
