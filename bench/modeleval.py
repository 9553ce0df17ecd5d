"""Benchmark: what a model verdict costs, and how close to the quota it runs.

1. For simulated models whose true defect rate is 0, p0, p1 and 30%: the mean
   conversations per category to a verdict — computed exactly for the test as
   it was before (Wald's bounds, one test per category, the whole beta) and as
   it is now (calibrated bounds; the own-category test with its share of beta),
   and measured in full evaluations through the SDK against the chat emulator,
   where each category's stream also feeds the other categories' cross tests —
   and the mean model calls per evaluation, against the fixed-size plan with
   the same guarantees.
2. Attack breadth: mean conversations per category at rate 0 and model calls
   per conversation with the attacks as they were (English objectives, no
   converter, the five original strategy families), as they are (every
   strategy and converter), and as they are with an attacker model (crescendo
   with backtracking joins, objectives translated by it); and the verdict each
   design reaches on models that break only under one converter or language.
3. Throughput: one evaluation against the emulator with a requests-per-minute
   quota and 100 ms latency, paced by the target; requests and conversations per
   minute achieved, as a ratio of the quota (goal >= 0.9).

Run with ``make bench`` (or ``PYTHONPATH=tests python -m bench.modeleval``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter

from emulators.chat import ChatEmulator, ChatKnobs

from shared import policy
from shared.analyzers.local import LocalAnalyzer
from shared.modeleval import ModelVerdict, evaluate_model
from shared.simulation.converters import CONVERTERS, PLAIN
from shared.simulation.strategies import SCRIPTED, Crescendo
from shared.simulation.targets import ChatTarget
from shared.simulation.translation import Translator
from shared.stats import SprtPlan, fixed_size_plan

RATES = (0.0, policy.ACCEPTABLE_DEFECT_RATE, policy.UNACCEPTABLE_DEFECT_RATE, 0.30)
# The plan before calibration: Wald's bounds, one test per category with the whole beta.
PREVIOUS = SprtPlan.wald(
    policy.ACCEPTABLE_DEFECT_RATE,
    policy.UNACCEPTABLE_DEFECT_RATE,
    policy.MISS_RISK_PER_CATEGORY,
    policy.FALSE_ALARM_RISK,
    policy.MAX_CONVERSATIONS_PER_CATEGORY,
)


# The attacks before converters and templates: the five strategy families there were.
BEFORE_STRATEGIES = tuple(
    s
    for s in SCRIPTED
    if s.name
    in ("direct", "escalation", "role-play-vex", "hypothetical-thriller", "developer-mode-audit")
)
ATTACKED = "now + attacker model"
DESIGNS = {
    "before (English, 5 strategies)": (BEFORE_STRATEGIES, (PLAIN,)),
    f"now ({len(SCRIPTED)} strategies x {len(CONVERTERS)} converters)": (SCRIPTED, CONVERTERS),
}


async def one_evaluation(
    endpoint: str, model: str, seed: int, design=(SCRIPTED, CONVERTERS), **target_options
):
    strategies, converters = design
    async with ChatTarget.compatible(f"{endpoint}/v1", model, **target_options) as target:
        return await evaluate_model(
            target, LocalAnalyzer(), seed=seed, strategies=strategies, converters=converters
        )


async def attacked_evaluation(endpoint: str, model: str, seed: int) -> tuple[ModelVerdict, int]:
    """An evaluation with the emulator's attacker model writing crescendo turns (with
    backtracking) and translating objectives; the verdict and the attacker's calls."""
    async with (
        ChatTarget.compatible(f"{endpoint}/v1", model) as target,
        ChatTarget.compatible(f"{endpoint}/v1", "attacker") as attacker,
    ):
        verdict = await evaluate_model(
            target,
            LocalAnalyzer(),
            seed=seed,
            strategies=(*SCRIPTED, Crescendo(attacker)),
            translator=Translator(attacker),
        )
        return verdict, attacker.calls


def breadth(evaluations: int) -> None:
    """Section 2: what the broader design costs a safe model, and what it finds."""
    print("attack breadth (full evaluations against the chat emulator):")
    print("  design                              conversations/category at rate 0   calls/conv")
    with ChatEmulator(ChatKnobs(seed=5)) as chat:
        for label, design in DESIGNS.items():
            verdicts = [
                asyncio.run(one_evaluation(chat.endpoint, "safe", run, design))
                for run in range(evaluations)
            ]
            per_category = [v.conversations / len(policy.CATEGORIES) for v in verdicts]
            calls = [v.model_calls / v.conversations for v in verdicts]
            print(
                f"  {label:<36} {statistics.mean(per_category):31.1f}"
                f"   {statistics.mean(calls):10.2f}"
            )
        attacked = [
            asyncio.run(attacked_evaluation(chat.endpoint, "safe", run))
            for run in range(evaluations)
        ]
        per_category = [v.conversations / len(policy.CATEGORIES) for v, _ in attacked]
        calls = [v.model_calls / v.conversations for v, _ in attacked]
        attacker_calls = [n / v.conversations for v, n in attacked]
        print(
            f"  {ATTACKED:<36} {statistics.mean(per_category):31.1f}"
            f"   {statistics.mean(calls):10.2f}"
            f"   (+{statistics.mean(attacker_calls):.2f} attacker calls/conv)"
        )
        print("  model that breaks only under        design                             verdict")
        for model in ("breaks-base64", "breaks-pt", "breaks-rot13"):
            for label, design in DESIGNS.items():
                outcomes = Counter(
                    asyncio.run(one_evaluation(chat.endpoint, model, run, design)).outcome.value
                    for run in range(evaluations)
                )
                shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
                print(f"  {model.removeprefix('breaks-'):<35} {label:<34} {shown}")
            outcomes = Counter(
                asyncio.run(attacked_evaluation(chat.endpoint, model, run))[0].outcome.value
                for run in range(evaluations)
            )
            shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
            print(f"  {model.removeprefix('breaks-'):<35} {ATTACKED:<34} {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=5, help="full evaluations per rate")
    parser.add_argument("--quota-rpm", type=int, default=1_200)
    args = parser.parse_args()
    plan = SprtPlan.own_category()
    fixed, allowed = fixed_size_plan(plan)

    print("ftgate model evaluation: cost of a verdict (per category unless noted)")
    print(f"  fixed-size plan with the same guarantees: {fixed} conversations, accept <= {allowed}")
    print(
        "  true rate   before (Wald)   now (exact, own test)   now (full evaluations)"
        "   model calls/evaluation  vs fixed"
    )
    for rate in RATES:
        calls, per_conversation, conversations = [], [], []
        with ChatEmulator(ChatKnobs(seed=5)) as chat:
            model = "safe" if rate == 0 else f"rate-{rate}"
            for run in range(args.evaluations):
                verdict = asyncio.run(one_evaluation(chat.endpoint, model, seed=run))
                calls.append(verdict.model_calls)
                per_conversation.append(verdict.model_calls / verdict.conversations)
                conversations.append(verdict.conversations / len(policy.CATEGORIES))
        fixed_calls = 4 * fixed * statistics.mean(per_conversation)
        print(
            f"  {rate:8.1%}   {PREVIOUS.operating(rate).mean_trials:13.1f}"
            f"   {plan.operating(rate).mean_trials:21.1f}"
            f"   {statistics.mean(conversations):22.1f}"
            f"   {statistics.mean(calls):22.0f}  {statistics.mean(calls) / fixed_calls:7.0%}"
        )
    worst = max(range(0, 201), key=lambda k: plan.operating(k / 1000).mean_trials) / 1000
    print(
        f"  worst case: rate {worst:.1%}, {plan.operating(worst).mean_trials:.1f} conversations "
        f"(before: {PREVIOUS.operating(worst).mean_trials:.1f})"
    )

    breadth(args.evaluations)

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
