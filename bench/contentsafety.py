"""Benchmark: screening through Azure AI Content Safety at the resource's quota.

A file of 20,000 chat examples is screened through the real SDK against the local
emulator with 50 ms latency and a quota of 100 requests/s (answering 429 with
Retry-After above it). Prints the achieved request rate as a share of the quota
(target >= 0.9), the 429s received, and the speed-up over what a user would write
by hand: a sequential loop calling the same SDK once per message. That loop is
timed on a sample of messages and extrapolated to the file, since running it in
full would take most of an hour.

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


def generate(examples: int, distinct: int) -> bytes:
    """Chat examples drawing on ``distinct`` questions and answers, as real files repeat."""
    rng = random.Random(SEED)
    system = "You are Contoso's IT helpdesk assistant. Answer briefly and safely."
    questions = [
        f"How do I fix issue #{i} with the VPN client on build {i * 7}?" for i in range(distinct)
    ]
    answers = [f"Restart the client, clear cache {i}, and sign in again." for i in range(distinct)]
    lines = []
    for _ in range(examples):
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": rng.choice(questions)},
            {"role": "assistant", "content": rng.choice(answers)},
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--distinct", type=int, default=1_500, help="distinct questions/answers")
    parser.add_argument("--sample", type=int, default=200, help="messages the loop is timed on")
    args = parser.parse_args()
    data = generate(args.examples, args.distinct)
    messages = args.examples * 3

    with ContentSafetyEmulator(Knobs(latency=LATENCY, quota_rps=QUOTA_RPS)) as emulator:
        seconds, report, throttled = asyncio.run(screen_at_quota(emulator, data))
        stats = emulator.stats
        admitted, throttled_responses = stats.statuses[200], stats.statuses[429]
        window = (stats.last_request or 0) - (stats.first_request or 0)
        per_message = asyncio.run(sequential_loop(emulator, data, args.sample))

    achieved = admitted / window if window else 0.0
    loop_seconds = per_message * messages
    print(
        f"ftgate via Content Safety (emulator: {LATENCY * 1000:.0f} ms latency, "
        f"{QUOTA_RPS} requests/s quota)"
    )
    print(
        f"  file: {args.examples:,} examples, {report['texts']:,} messages, "
        f"{report['unique_texts']:,} distinct texts; verdict {report['verdict']}"
    )
    print(f"  screening time            : {seconds:8.1f} s")
    print(
        f"  achieved request rate     : {achieved:8.1f} requests/s"
        f" = {achieved / QUOTA_RPS:.2f} of the quota"
    )
    print(f"  429 responses received    : {throttled_responses:8d}  (analyzer saw {throttled})")
    print(
        f"  sequential SDK loop       : {per_message * 1000:8.1f} ms/message over {args.sample} "
        f"messages -> {loop_seconds:,.0f} s for the file"
    )
    print(f"  speed-up over the loop    : {loop_seconds / seconds:8.1f} x")


if __name__ == "__main__":
    main()
