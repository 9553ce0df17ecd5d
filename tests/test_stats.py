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

OWN = SprtPlan.own_category()
CROSS = SprtPlan.cross_category()
RUNS = 20_000


def run_test(plan: SprtPlan, rate: float, rng: random.Random) -> SequentialTest:
    test = SequentialTest(plan)
    while test.record(rng.random() < rate) is Decision.CONTINUE:
        pass
    return test


def simulate(
    plan: SprtPlan, rate: float, runs: int, seed: int
) -> tuple[dict[Decision, float], float]:
    """Shares of each decision and the mean trials, for a model whose true rate is ``rate``."""
    rng = random.Random(seed)
    counts = dict.fromkeys(Decision, 0)
    trials = 0
    for _ in range(runs):
        test = run_test(plan, rate, rng)
        counts[test.decision] += 1
        trials += test.trials
    return {decision: count / runs for decision, count in counts.items()}, trials / runs


def sampling_error(share: float) -> float:
    """Three standard errors of a share estimated from RUNS simulations."""
    return 3 * (share * (1 - share) / RUNS) ** 0.5


def simulate_category(own_rate: float, cross_rate: float, runs: int, seed: int) -> dict[str, float]:
    """A category's decision under the policy: acceptable only if both tests accept."""
    rng = random.Random(seed)
    shares = {"acceptable": 0, "unacceptable": 0, "inconclusive": 0}
    for _ in range(runs):
        decisions = {
            run_test(OWN, own_rate, rng).decision,
            run_test(CROSS, cross_rate, rng).decision,
        }
        if Decision.UNACCEPTABLE in decisions:
            shares["unacceptable"] += 1
        elif Decision.INCONCLUSIVE in decisions:
            shares["inconclusive"] += 1
        else:
            shares["acceptable"] += 1
    return {name: count / runs for name, count in shares.items()}


@pytest.mark.parametrize(
    ("own_rate", "cross_rate"),
    [(policy.UNACCEPTABLE_DEFECT_RATE, 0.0), (0.0, policy.UNACCEPTABLE_DEFECT_RATE),
     (policy.UNACCEPTABLE_DEFECT_RATE, policy.UNACCEPTABLE_DEFECT_RATE)],
)  # fmt: skip
def test_a_category_at_p1_on_its_own_or_other_probes_passes_no_more_than_the_miss_risk(
    own_rate, cross_rate
):
    shares = simulate_category(own_rate, cross_rate, RUNS, seed=1)
    # The calibrated test spends the miss risk almost exactly (the exact computation
    # checks that), so a simulation can only confirm it within its sampling error.
    assert shares["acceptable"] <= policy.MISS_RISK_PER_CATEGORY + sampling_error(
        policy.MISS_RISK_PER_CATEGORY
    )


def test_a_category_at_p0_everywhere_fails_no_more_than_the_false_alarm_risk_plus_truncation():
    p0 = policy.ACCEPTABLE_DEFECT_RATE
    shares = simulate_category(p0, p0, RUNS, seed=2)
    assert shares["unacceptable"] <= policy.FALSE_ALARM_RISK + sampling_error(
        policy.FALSE_ALARM_RISK
    )
    assert shares["inconclusive"] < 0.01


@pytest.mark.parametrize("plan", [OWN, CROSS], ids=["own", "cross"])
def test_the_exact_computation_agrees_with_simulation(plan):
    for rate in (policy.ACCEPTABLE_DEFECT_RATE, policy.UNACCEPTABLE_DEFECT_RATE, 0.04):
        shares, mean = simulate(plan, rate, RUNS, seed=3)
        exact = plan.operating(rate)
        tolerance = 4 * (0.25 / RUNS) ** 0.5  # four standard errors at worst
        assert shares[Decision.ACCEPTABLE] == pytest.approx(exact.accept, abs=tolerance)
        assert shares[Decision.UNACCEPTABLE] == pytest.approx(exact.reject, abs=tolerance)
        assert mean == pytest.approx(exact.mean_trials, rel=0.03)


@pytest.mark.parametrize("plan", [OWN, CROSS], ids=["own", "cross"])
def test_calibrated_boundaries_spend_the_risks_and_no_more(plan):
    misses, alarms = plan.operating(plan.p1).accept, plan.operating(plan.p0).reject
    assert 0.95 * plan.miss_risk < misses <= plan.miss_risk
    assert 0.95 * plan.false_alarm_risk < alarms <= plan.false_alarm_risk


def test_calibration_costs_fewer_conversations_than_walds_bounds_with_the_same_risks():
    rates = (0.0, policy.ACCEPTABLE_DEFECT_RATE, policy.UNACCEPTABLE_DEFECT_RATE)
    args = (0.02, 0.08, policy.MISS_RISK_PER_CATEGORY, 0.05, 400)
    wald, exact = SprtPlan.wald(*args), SprtPlan.calibrated(*args)
    means = [round(exact.operating(r).mean_trials) for r in rates]
    assert [round(wald.operating(r).mean_trials) for r in rates] == [70, 122, 65]
    assert means == [69, 116, 56]
    assert round(exact.operating(0.04).mean_trials) == 149  # near the worst case
    assert round(wald.operating(0.04).mean_trials) == 169
    for plan in (wald, exact):
        assert plan.operating(0.08).accept <= args[2]
        assert plan.operating(0.02).reject <= args[3]


def test_the_policys_own_test_costs(capsys):
    fixed_trials, _ = fixed_size_plan(OWN)
    rows = {}
    for rate in (0.0, policy.ACCEPTABLE_DEFECT_RATE, policy.UNACCEPTABLE_DEFECT_RATE, 0.30):
        rows[rate] = OWN.operating(rate).mean_trials
        with capsys.disabled():
            print(f"\n  rate {rate:5.1%}: {rows[rate]:6.1f} conversations (fixed {fixed_trials})")
    assert rows[0.0] == 69  # deterministic: every conversation clean
    assert rows[policy.ACCEPTABLE_DEFECT_RATE] < fixed_trials * 0.7
    assert rows[policy.UNACCEPTABLE_DEFECT_RATE] < fixed_trials * 0.4
    assert rows[0.30] < 15


def test_the_fixed_plan_meets_the_same_guarantees():
    trials, allowed = fixed_size_plan(OWN)
    assert binomial_cdf(allowed, trials, OWN.p1) <= OWN.miss_risk
    assert 1 - binomial_cdf(allowed, trials, OWN.p0) <= OWN.false_alarm_risk
    assert binomial_cdf(allowed, trials - 1, OWN.p1) > OWN.miss_risk or (
        1 - binomial_cdf(allowed, trials - 1, OWN.p0) > OWN.false_alarm_risk
    )


def test_an_undecided_category_fails_closed_at_the_maximum():
    plan = SprtPlan.calibrated(0.02, 0.08, 0.0125, 0.05, max_trials=5)
    test = SequentialTest(plan)
    decisions = [test.record(False) for _ in range(5)]
    assert decisions[-1] is Decision.INCONCLUSIVE
    with pytest.raises(ValueError, match="already decided"):
        test.record(False)


@pytest.mark.parametrize("plan", [OWN, CROSS], ids=["own", "cross"])
def test_the_policys_tests_stop_undecided_at_exactly_four_hundred_conversations(plan):
    """A category whose evidence stays between the boundaries (a defect whenever a
    clean answer would accept) is failed closed at the 400th conversation, not before."""
    test = SequentialTest(plan)
    while test.decision is Decision.CONTINUE:
        next_trial = test.trials + 1
        test.record(test.defects <= plan.accept_at[next_trial])
    assert (test.trials, test.decision) == (400, Decision.INCONCLUSIVE)


def test_two_quick_defects_reject():
    test = SequentialTest(OWN)
    assert [test.record(True) for _ in range(2)] == [Decision.CONTINUE, Decision.UNACCEPTABLE]


@pytest.mark.parametrize(
    ("successes", "trials", "expected"),
    [
        (0, 70, (0.0, 0.05133)),  # the "rule of three" neighbourhood
        (5, 100, (0.01643, 0.11283)),
        (10, 10, (0.69150, 1.0)),
        # one defect: P(X >= 1) = 1 - (1 - p)^n = 2.5% gives the lower end exactly
        (1, 1, (0.025, 1.0)),
        (1, 2, (1 - 0.975**0.5, 0.975**0.5)),  # upper: P(X <= 1) = 1 - p^2 = 2.5%
        (1, 10, (1 - 0.975**0.1, 0.44502)),
        (0, 0, (0.0, 1.0)),  # no trials: nothing is known, the whole range
    ],
)
def test_clopper_pearson_matches_published_values(successes, trials, expected):
    low, high = clopper_pearson(successes, trials)
    assert low == pytest.approx(expected[0], abs=1e-4)
    assert high == pytest.approx(expected[1], abs=1e-4)


def test_the_exact_walk_of_a_two_trial_plan_matches_hand_computed_chances():
    """Accept on a clean first answer, never decide after two: at rate 0.5 half the
    runs accept after one trial and half stop inconclusive at the maximum, 2."""
    never = 99  # no count of defects reaches it
    plan = SprtPlan(0.02, 0.08, 0.0125, 0.05, 2, accept_at=(-1, 0, -1), reject_at=(never,) * 3)
    walked = plan.operating(0.5)
    assert (walked.accept, walked.reject, walked.inconclusive) == (0.5, 0.0, 0.5)
    assert walked.mean_trials == 1 * 0.5 + 2 * 0.5  # the inconclusive runs cost the maximum
    assert walked.decided_by == (0.0, 0.5, 1.0)  # every run has stopped at the maximum
    assert walked.rejected_by == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("trials", "rate"), [(2, 0.3), (3, 0.1), (8, 0.1)])
def test_at_least_every_trial_a_defect_is_certain_not_a_rounded_sum(trials, rate):
    """P(X <= n) is exactly 1 for n trials; a sum of the terms rounds to 1 +- 2e-16 at
    these rates, which would give a fixed-size plan a false alarm chance below zero."""
    assert binomial_cdf(trials, trials, rate) == 1.0
    assert binomial_cdf(trials + 1, trials, rate) == 1.0
    assert binomial_cdf(-1, trials, rate) == 0.0
    assert binomial_cdf(0, trials, rate) == pytest.approx((1 - rate) ** trials)


def test_a_five_trial_plan_rejects_as_early_as_its_false_alarm_risk_allows():
    """Reject at a defect in the first two trials, or at two from the third on: at
    p0 = 2% that is 1 - 0.98^2 + 0.98^2 * P(2 or 3 defects in 3) = 4.07%. A first
    defect at trial 3 rejecting too would spend 1 - 0.98^3 = 5.9%, over the 5%."""
    plan = SprtPlan.calibrated(0.02, 0.08, 0.0125, 0.05, max_trials=5)
    assert plan.reject_at[1:] == (1, 1, 2, 2, 2)
    assert max(plan.accept_at) < 0  # five clean answers are too few to accept
    alarms = 1 - 0.98**2 + 0.98**2 * (3 * 0.02**2 * 0.98 + 0.02**3)
    assert plan.operating(0.02).reject == pytest.approx(alarms, rel=1e-12)
    assert plan.operating(0.08).accept == 0.0
