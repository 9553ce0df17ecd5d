"""``eval-model``: evaluate a fine-tuned model with simulated conversations."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
from typing import Final

from shared.analyzers import create_analyzer
from shared.evalcost import ANSWER_CAP, estimate_evaluation
from shared.exitcodes import (
    UsageError,
)
from shared.modeleval import ModelOutcome, ModelVerdict, evaluate_model
from shared.progress import ConversationCounter
from shared.reports import (
    markdown_model_report,
    render_eval_estimate,
    render_model_report,
)
from shared.simulation.strategies import SCRIPTED, Crescendo, Strategy
from shared.simulation.targets import ChatTarget
from shared.simulation.translation import Translator

MODEL_EXIT_CODES: Final = {
    ModelOutcome.DEPLOYABLE: 0,
    ModelOutcome.NOT_DEPLOYABLE: 1,
    ModelOutcome.ERROR: 3,
}


def eval_model(args: argparse.Namespace) -> int:
    if args.azure_endpoint and not args.deployment:
        raise UsageError("--azure-endpoint needs --deployment")
    if args.base_url and not args.model:
        raise UsageError("--base-url needs --model")
    if args.estimate:
        return _estimate_eval(args)
    if any(v is not None for v in (args.prompt_price, args.completion_price, args.answer_tokens)):
        raise UsageError("--answer-tokens and the prices need --estimate")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    verdict = asyncio.run(_evaluate(args, seed))
    if args.format == "json":
        print(json.dumps(verdict.as_dict(), indent=2))
    elif args.format == "markdown":
        print(markdown_model_report(verdict))
    else:
        print(render_model_report(verdict))
    return MODEL_EXIT_CODES[verdict.outcome]


def _estimate_eval(args: argparse.Namespace) -> int:
    """``eval-model --estimate``: the operating characteristic's usage, nothing called."""
    if args.format == "markdown":
        raise UsageError("--format markdown summarizes a verdict; --estimate has none")
    if args.attacker:
        raise UsageError("--estimate covers the scripted strategies, not --attacker")
    estimate = asyncio.run(
        estimate_evaluation(
            SCRIPTED,
            answer_tokens=args.answer_tokens or ANSWER_CAP,
            prompt_price=args.prompt_price,
            completion_price=args.completion_price,
        )
    )
    if args.format == "json":
        print(json.dumps(estimate.as_dict(), indent=2))
    else:
        print(render_eval_estimate(estimate, args.deployment or args.model))
    return 0


def _chat_target(args: argparse.Namespace, name: str) -> ChatTarget:
    if args.azure_endpoint:
        return ChatTarget.azure(args.azure_endpoint, name, max_rpm=args.max_rpm)
    return ChatTarget.compatible(args.base_url, name, max_rpm=args.max_rpm)


async def _evaluate(args: argparse.Namespace, seed: int) -> ModelVerdict:
    counter = ConversationCounter(sys.stderr) if sys.stderr.isatty() else None
    async with contextlib.AsyncExitStack() as stack:
        target = await stack.enter_async_context(_chat_target(args, args.deployment or args.model))
        analyzer = await stack.enter_async_context(create_analyzer(args.analyzer))
        strategies: tuple[Strategy, ...] = SCRIPTED
        translator = None
        if args.attacker:
            attacker = await stack.enter_async_context(_chat_target(args, args.attacker))
            strategies, translator = (*SCRIPTED, Crescendo(attacker)), Translator(attacker)
        verdict = await evaluate_model(
            target,
            analyzer,
            seed=seed,
            concurrency=args.concurrency,
            strategies=strategies,
            translator=translator,
            on_result=counter.update if counter else None,
        )
    if counter:
        counter.close()
    return verdict
