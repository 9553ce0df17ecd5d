"""Benchmark: screening through Azure AI Content Safety at the resource's quota.

Two chat files are screened through the real SDK against the local emulator with
50 ms latency and a quota of 100 requests/s (answering 429 with Retry-After
above it): one of 20,000 examples drawing on 1,500 questions and answers, as
real files repeat, and one of 2,000 examples in which every text is new. Prints
for each the achieved request rate as a share of the quota (target >= 0.9), the
429s received, and the speed-up over what a user would write by hand: a
sequential loop calling the same SDK once per message. On the file with repeats
most of the speed-up is de-duplication; on the one without, all of it is pacing
requests at the quota. The loop is timed on a sample of messages and
extrapolated to the file, since running it in full would take most of an hour.

Run with ``make bench`` (or ``PYTHONPATH=tests python -m bench.contentsafety``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

from azure.ai.contentsafety.aio import ContentSafetyClient
from azure.ai.contentsafety.models import AnalyzeTextOptions, AnalyzeTextOutputType
from azure.core.credentials import AzureKeyCredential
from emulators.contentsafety import ContentSafetyEmulator, Knobs

from shared.analyzers.contentsafety import API_VERSION, ContentSafetyAnalyzer
from shared.screening import screen
from shared.settings import ContentSafetySettings

QUOTA_RPS = 100
LATENCY = 0.050
SEED = 20261126
# The one figure printed before (2026-11-27, docs/benchmarks.md): the file with repeats only.
PREVIOUS_SPEEDUP_WITH_REPEATS = 97.0


def generate(examples: int, distinct: int | None) -> bytes:
    """Chat examples drawing on ``distinct`` questions and answers, as real files
    repeat; with ``distinct`` None every text, the system prompt too, is new."""
    rng = random.Random(SEED)
    system = "You are Contoso's IT helpdesk assistant. Answer briefly and safely."
    pool = distinct if distinct is not None else examples
    questions = [
        f"How do I fix issue #{i} with the VPN client on build {i * 7}?" for i in range(pool)
    ]
    answers = [f"Restart the client, clear cache {i}, and sign in again." for i in range(pool)]
    lines = []
    for number in range(examples):
        if distinct is None:
            texts = [f"{system} (session {number})", questions[number], answers[number]]
        else:
            texts = [system, rng.choice(questions), rng.choice(answers)]
        messages = [
            {"role": role, "content": text}
            for role, text in zip(("system", "user", "assistant"), texts, strict=True)
        ]
        lines.append(json.dumps({"messages": messages}))
    return ("\n".join(lines) + "\n").encode()


async def screen_at_quota(emulator: ContentSafetyEmulator, data: bytes) -> tuple[float, dict, int]:
    settings = ContentSafetySettings(
        endpoint=emulator.endpoint, key=emulator.knobs.key, max_rps=QUOTA_RPS
    )
    started = time.perf_counter()
    async with ContentSafetyAnalyzer(settings) as analyzer:
        verdict = await screen([data], analyzer)
    return time.perf_counter() - started, verdict.as_dict(), analyzer.throttled


async def sequential_loop(emulator: ContentSafetyEmulator, data: bytes, sample: int) -> float:
    """Seconds per message of the hand-written loop: one SDK call per message, in order."""
    messages = [
        message["content"]
        for line in data.splitlines()[:sample]
        for message in json.loads(line)["messages"]
    ][:sample]
    client = ContentSafetyClient(
        emulator.endpoint, AzureKeyCredential(emulator.knobs.key), api_version=API_VERSION
    )
    started = time.perf_counter()
    async with client:
        for text in messages:
            await client.analyze_text(
                AnalyzeTextOptions(
                    text=text, output_type=AnalyzeTextOutputType.EIGHT_SEVERITY_LEVELS
                )
            )
    return (time.perf_counter() - started) / len(messages)


def measure(data: bytes, sample: int) -> dict:
    """Screen ``data`` at the quota against a fresh emulator, then time the loop."""
    with ContentSafetyEmulator(Knobs(latency=LATENCY, quota_rps=QUOTA_RPS)) as emulator:
        seconds, report, throttled = asyncio.run(screen_at_quota(emulator, data))
        stats = emulator.stats
        admitted, throttled_responses = stats.statuses[200], stats.statuses[429]
        window = (stats.last_request or 0) - (stats.first_request or 0)
        per_message = asyncio.run(sequential_loop(emulator, data, sample))
    return {
        "seconds": seconds,
        "report": report,
        "throttled": throttled,
        "responses_429": throttled_responses,
        "achieved": admitted / window if window else 0.0,
        "per_message": per_message,
    }


def show(title: str, figures: dict, sample: int, previous_speedup: float | None) -> None:
    report = figures["report"]
    seconds, achieved, per_message = figures["seconds"], figures["achieved"], figures["per_message"]
    loop_seconds = per_message * report["texts"]
    print(
        f"  {title}: {report['examples']:,} examples, {report['texts']:,} messages, "
        f"{report['unique_texts']:,} distinct texts; verdict {report['verdict']}"
    )
    print(f"    screening time            : {seconds:8.1f} s")
    print(
        f"    achieved request rate     : {achieved:8.1f} requests/s"
        f" = {achieved / QUOTA_RPS:.2f} of the quota"
    )
    print(
        f"    429 responses received    : {figures['responses_429']:8d}"
        f"  (analyzer saw {figures['throttled']})"
    )
    print(
        f"    sequential SDK loop       : {per_message * 1000:8.1f} ms/message over {sample} "
        f"messages -> {loop_seconds:,.0f} s for the file"
    )
    before = f"  (before: {previous_speedup:.0f} x)" if previous_speedup else ""
    print(f"    speed-up over the loop    : {loop_seconds / seconds:8.1f} x{before}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--distinct", type=int, default=1_500, help="distinct questions/answers")
    parser.add_argument(
        "--unique-examples", type=int, default=2_000, help="examples of the file without repeats"
    )
    parser.add_argument("--sample", type=int, default=200, help="messages the loop is timed on")
    args = parser.parse_args()
    print(
        f"ftgate via Content Safety (emulator: {LATENCY * 1000:.0f} ms latency, "
        f"{QUOTA_RPS} requests/s quota)"
    )
    repeats = measure(generate(args.examples, args.distinct), args.sample)
    show("file with repeats", repeats, args.sample, PREVIOUS_SPEEDUP_WITH_REPEATS)
    unique = measure(generate(args.unique_examples, None), args.sample)
    show("file without repeats", unique, args.sample, None)


if __name__ == "__main__":
    main()
