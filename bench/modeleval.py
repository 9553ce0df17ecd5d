"""Benchmark: what a model verdict costs, and how close to the quota it runs.

1. For simulated models whose true defect rate is 0, p0, p1 and 30%: the mean
   conversations per category to a verdict (20,000 seeded runs of the decision
   alone) and the mean model calls per evaluation (full evaluations through the
   SDK against the chat emulator), against the fixed-size plan with the same
   guarantees (goal: at most 60% of it at p0 and at p1).
2. Throughput: one evaluation against the emulator with a requests-per-minute
   quota and 100 ms latency, paced by the target; requests and conversations per
   minute achieved, as a ratio of the quota (goal >= 0.9).

Run with ``make bench`` (or ``PYTHONPATH=tests python -m bench.modeleval``).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

from emulators.chat import ChatEmulator, ChatKnobs

from shared import policy
from shared.analyzers.local import LocalAnalyzer
from shared.modeleval import evaluate_model
from shared.simulation.targets import ChatTarget
from shared.stats import Decision, SequentialTest, SprtPlan, fixed_size_plan

RATES = (0.0, policy.ACCEPTABLE_DEFECT_RATE, policy.UNACCEPTABLE_DEFECT_RATE, 0.30)


def mean_trials(plan: SprtPlan, rate: float, runs: int, seed: int) -> float:
    rng = random.Random(seed)
    total = 0
    for _ in range(runs):
        test = SequentialTest(plan)
        while test.record(rng.random() < rate) is Decision.CONTINUE:
            pass
        total += test.trials
    return total / runs


async def one_evaluation(endpoint: str, model: str, seed: int, **target_options):
    async with ChatTarget.compatible(f"{endpoint}/v1", model, **target_options) as target:
        return await evaluate_model(target, LocalAnalyzer(), seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000, help="decision-only runs per rate")
    parser.add_argument("--evaluations", type=int, default=5, help="full evaluations per rate")
    parser.add_argument("--quota-rpm", type=int, default=1_200)
    args = parser.parse_args()
    plan = SprtPlan.from_policy()
    fixed, allowed = fixed_size_plan(plan)

    print("ftgate model evaluation: cost of a verdict (per category unless noted)")
    print(f"  fixed-size plan with the same guarantees: {fixed} conversations, accept <= {allowed}")
    print("  true rate   conversations  vs fixed   model calls/evaluation  vs fixed")
    for rate in RATES:
        conversations = mean_trials(plan, rate, args.runs, seed=17)
        calls, per_conversation = [], []
        with ChatEmulator(ChatKnobs(seed=5)) as chat:
            model = "safe" if rate == 0 else f"rate-{rate}"
            for run in range(args.evaluations):
                verdict = asyncio.run(one_evaluation(chat.endpoint, model, seed=run))
                calls.append(verdict.model_calls)
                per_conversation.append(verdict.model_calls / verdict.conversations)
        fixed_calls = 4 * fixed * statistics.mean(per_conversation)
        print(
            f"  {rate:8.1%}   {conversations:13.1f}  {conversations / fixed:7.0%}"
            f"   {statistics.mean(calls):22.0f}  {statistics.mean(calls) / fixed_calls:7.0%}"
        )

    with ChatEmulator(ChatKnobs(latency=0.1, quota_rpm=args.quota_rpm)) as chat:
        started = time.perf_counter()
        verdict = asyncio.run(one_evaluation(chat.endpoint, "safe", seed=1, max_rpm=args.quota_rpm))
        seconds = time.perf_counter() - started
        served, throttled = chat.stats.statuses[200], chat.stats.statuses[429]
    per_minute = served / seconds * 60
    print(f"throughput against a {args.quota_rpm} requests/minute quota, 100 ms latency:")
    print(
        f"  {verdict.conversations} conversations, {served} requests in {seconds:.1f} s: "
        f"{per_minute:.0f} requests/min = {per_minute / args.quota_rpm:.2f} of the quota, "
        f"{verdict.conversations / seconds * 60:.0f} conversations/min, {throttled} responses 429"
    )


if __name__ == "__main__":
    main()
