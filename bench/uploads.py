"""Benchmark: peak memory of screening uploaded blobs, through Azurite and Content Safety.

Uploads generated chat blobs of about 20, 100 and 500 MB to Azurite and screens
each as the blob trigger does (``screen_upload``: the hashing pass, then the
screening pass) against the Content Safety emulator with 50 ms latency and a
quota of 100 requests/s, each in a fresh process, and prints that process's peak
RSS next to the figure measured for the code before screening's memory was
bounded. The peaks must stay within :data:`FLAT_RATIO` of one another.

The blobs are built the way files concatenated from several teams look, and to
provoke the buffers that used to grow: a pool of questions and answers that
recur throughout (analyzed once, then answered from the de-duplication cache),
and every :data:`SEGMENT_LINES` lines a new system prompt that recurs on every
line of its segment. With nothing new arriving to fill its batch, such a prompt
waits unscored while its recurrences pile up.

Run with ``make bench`` (or ``PYTHONPATH=tests python -m bench.uploads --sizes 20,100``).
Generated files are cached under bench/.data/ and reused when present.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

from azure.storage.blob import BlobClient, BlobServiceClient
from emulators.azurite import Azurite
from emulators.contentsafety import ContentSafetyEmulator, Knobs

from bench.screening import DATA_DIR, MB, SEED, peak_rss_kib
from shared.analyzers.contentsafety import ContentSafetyAnalyzer
from shared.settings import ContentSafetySettings, StorageConnection
from shared.uploads import screen_upload
from shared.verdicts import TableVerdictStore

QUOTA_RPS = 100
LATENCY = 0.050
SEGMENT_LINES = 40_000
POOL = 1_000  # distinct questions, and distinct answers
FLAT_RATIO = 1.2
# Peak RSS (MB) of the code before this change (commit d7dfc07), measured with this
# benchmark on the same machine on 2026-11-27 (the 500 MB run was stopped part-way
# at 679.5 MB and still growing); see docs/benchmarks.md.
PREVIOUS_PEAK_RSS_MB = {20: 139.8, 100: 384.1}


def generate(path: Path, size_mb: int) -> None:
    """Chat lines of about ``size_mb`` MB: pooled questions and answers, and a new
    system prompt every SEGMENT_LINES lines."""
    rng = random.Random(SEED)
    questions = [
        f"How do I fix issue #{i} with the VPN client on build {i * 7}?" for i in range(POOL)
    ]
    answers = [f"Restart the client, clear cache {i}, and sign in again." for i in range(POOL)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    written, number = 0, 0
    with tmp.open("w", encoding="utf-8") as out:
        while written < size_mb * MB:
            segment = number // SEGMENT_LINES
            messages = [
                {"role": "system", "content": f"You are team {segment}'s helpdesk assistant."},
                {"role": "user", "content": rng.choice(questions)},
                {"role": "assistant", "content": rng.choice(answers)},
            ]
            line = json.dumps({"messages": messages}) + "\n"
            out.write(line)
            written += len(line)
            number += 1
    tmp.rename(path)


def dataset(size_mb: int) -> Path:
    path = DATA_DIR / f"segments-{size_mb}mb-{SEED}.jsonl"
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr, flush=True)
        generate(path, size_mb)
    return path


async def _screen_blob(connection: str, container: str, name: str, endpoint: str, key: str) -> str:
    settings = ContentSafetySettings(endpoint=endpoint, key=key, max_rps=QUOTA_RPS)
    blob = BlobClient.from_connection_string(connection, container, name)
    storage = StorageConnection(connection_string=connection)
    async with TableVerdictStore.open(storage, "benchverdicts") as store:
        verdict = await screen_upload(blob, lambda: ContentSafetyAnalyzer(settings), store)
    return verdict.verdict


def _rss_child(connection: str, container: str, name: str, endpoint: str, key: str) -> None:
    started = time.perf_counter()
    verdict = asyncio.run(_screen_blob(connection, container, name, endpoint, key))
    seconds = time.perf_counter() - started
    print(json.dumps({"peak_rss_mb": peak_rss_kib() / 1024, "verdict": verdict, "s": seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,100,500", help="blob sizes in MB, comma-separated")
    parser.add_argument("--rss-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        _rss_child(*args.rss_child)
        return

    sizes = sorted(int(size) for size in args.sizes.split(","))
    print(
        f"peak RSS screening uploaded blobs (Azurite; Content Safety emulator, "
        f"{LATENCY * 1000:.0f} ms latency, {QUOTA_RPS} requests/s), each in a fresh process:"
    )
    peaks = []
    with (
        Azurite() as azurite,
        ContentSafetyEmulator(Knobs(latency=LATENCY, quota_rps=QUOTA_RPS)) as emulator,
    ):
        service = BlobServiceClient.from_connection_string(azurite.connection_string)
        container = service.create_container(f"bench-{uuid.uuid4().hex[:8]}")
        for size in sizes:
            path = dataset(size)
            name = path.name
            with path.open("rb") as data:
                container.upload_blob(name, data, overwrite=True, max_concurrency=2)
            command = [
                sys.executable, "-m", "bench.uploads", "--rss-child", azurite.connection_string,
                container.container_name, name, emulator.endpoint, emulator.knobs.key,
            ]  # fmt: skip
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            child = json.loads(output)
            container.delete_blob(name)
            peaks.append(child["peak_rss_mb"])
            previous = PREVIOUS_PEAK_RSS_MB.get(size)
            before = f"  (before: {previous:.1f} MB)" if previous else ""
            label = f"a {path.stat().st_size / MB:.0f} MB blob"
            print(
                f"  {label:<16}: {child['peak_rss_mb']:7.1f} MB{before}"
                f"  verdict {child['verdict']}, {child['s']:.0f} s"
            )
    spread = max(peaks) / min(peaks)
    print(f"  largest / smallest peak   : {spread:.2f}  (flat: at most {FLAT_RATIO})")


if __name__ == "__main__":
    main()
