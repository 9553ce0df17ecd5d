"""Benchmark: estimates next to what real runs then used, as ratios.

Files: each valid example file is estimated (``scan-data --estimate``) and then
screened through the Content Safety emulator; prints the estimate, the requests
the verdict recorded and the requests the emulator received. Models: the chat
emulator's ``safe``, ``rate-0.02`` and ``rate-0.08`` models are estimated
(``eval-model --estimate``, answers of 13 tokens: the emulator's refusal is 13
words, and it counts a word as a token) and then evaluated; prints each run's
conversations, calls and tokens over the estimate of its scenario (clean, p0,
p1). One run per model: a sequential test's length varies from run to run.

Run with ``make bench`` (or ``PYTHONPATH=tests python -m bench.costs``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from typing import Any

from emulators.chat import ChatEmulator
from emulators.contentsafety import ContentSafetyEmulator

from shared import cli

FILES = (
    "examples/chat-clean.jsonl",
    "examples/chat-harmful.jsonl",
    "examples/preference.jsonl",
    "examples/prompt-completion.jsonl",
    "examples/reinforcement.jsonl",
)
MODELS = (("safe", "clean 0%"), ("rate-0.02", "p0 2%"), ("rate-0.08", "p1 8%"))
ANSWER_TOKENS = 13


def _json(args: list[str]) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(args)
    return json.loads(out.getvalue())


def files() -> None:
    print("scan-data: estimate, verdict, emulator (Content Safety requests)")
    with ContentSafetyEmulator() as emulator:
        os.environ["CONTENT_SAFETY_ENDPOINT"] = emulator.endpoint
        os.environ["CONTENT_SAFETY_KEY"] = emulator.knobs.key
        for name in FILES:
            estimate = _json(["scan-data", name, "--estimate", "--json"])["content_safety_requests"]
            before = emulator.stats.requests
            used = _json(["scan-data", name, "--analyzer", "contentsafety", "--json"])["requests"]
            received = emulator.stats.requests - before
            ratio = used / estimate
            print(f"  {name:<34} {estimate:>5} {used:>5} {received:>5}  ratio {ratio:.2f}")


def models() -> None:
    print("eval-model: used / estimated (conversations, calls, prompt tokens, completion tokens)")
    with ChatEmulator() as emulator:
        for model, scenario in MODELS:
            base = ["eval-model", "--base-url", f"{emulator.endpoint}/v1", "--model", model]
            base += ["--analyzer", "local", "--seed", "1", "--json"]
            estimate = _json([*base, "--estimate", "--answer-tokens", str(ANSWER_TOKENS)])
            guess = estimate["scenarios"][scenario]
            run = _json(base)
            pairs = [
                (run["conversations"], guess["conversations"]),
                (run["model_calls"], guess["model_calls"]),
                (run["tokens"]["prompt"], guess["prompt_tokens"]),
                (run["tokens"]["completion"], guess["completion_tokens"]),
            ]
            shown = "  ".join(f"{used}/{guessed} = {used / guessed:.2f}" for used, guessed in pairs)
            print(f"  {model:<10} ({run['verdict']}, vs {scenario}): {shown}")


if __name__ == "__main__":
    files()
    models()
