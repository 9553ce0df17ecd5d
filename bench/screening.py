"""Benchmark: screening throughput and memory on generated training files.

Prints, for a generated file of about 200 MB, screening throughput with the local
analyzer in MB/s and as a ratio to plain ``json.loads`` of every line of the same
file in the same run (the fastest of :data:`BASELINE_RUNS` runs), and the CPU
seconds per MB screening cost (of the main process and of its workers), which a
busy machine does not distort as it does wall time; and the peak RSS
of screening 20 MB and 200 MB files, each in a fresh process, which must not grow
with the file; and the peak RSS of a hostile file whose one line holds 16 MiB of
tiny strings (about 4 million), which the per-line limits must keep under
:data:`HOSTILE_LINE_RSS_BOUND_MB`.

Run with ``make bench`` (or ``python -m bench.screening --sizes 20,200``).
Generated files are cached under bench/.data/ and reused when present.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from shared.analyzers.local import LocalAnalyzer
from shared.parallel import screen_in_workers
from shared.screening import screen
from shared.trainingdata import MAX_LINE_BYTES, iter_chunks

DATA_DIR = Path(__file__).parent / ".data"
MB = 1_000_000
SEED = 20261126
# Peak RSS screening may reach on any line the per-line limits accept (docs/benchmarks.md).
HOSTILE_LINE_RSS_BOUND_MB = 128
BASELINE_RUNS = 5  # the json.loads baseline is the fastest of these
# Screening MB/s and CPU seconds per MB of the 200 MB file at the release before this one
# (policy 2026.11.10: docs/benchmarks.md, "Screening with policies 2026.11.10 and
# 2026.11.11", main 52ede87 on 2026-11-29; one run each, load average about 1).
PREVIOUS = "policy 2026.11.10, 200 MB file, 2026-11-29"
PREVIOUS_MB_S = {1: 5.2, 2: 9.8}
PREVIOUS_CPU_S_PER_MB = {1: 0.193, 2: 0.017 + 0.181}  # 2 workers: main + workers
PREVIOUS_JSON_MB_S = 170  # one run (docs/benchmarks.md, 2026-11-26)

SYSTEM_PROMPTS = [
    "You are Contoso's IT helpdesk assistant. Answer briefly, cite the knowledge base, and "
    "never ask for passwords.",
    "You are a friendly travel agent for Fabrikam Tours. Suggest itineraries and budgets.",
]
SUBJECTS = ["the VPN client", "Outlook", "the build server", "my laptop", "Teams", "the printer",
            "the HR portal", "the CI pipeline", "a Kubernetes pod", "the database", "SharePoint",
            "the expense tool", "my phone", "the wiki", "the staging cluster"]  # fmt: skip
PROBLEMS = ["keeps crashing", "is very slow today", "asks for my password again", "won't start",
            "shows error 0x80070005", "lost my settings", "cannot connect", "hangs on login",
            "runs out of memory", "times out after a minute"]  # fmt: skip
STEPS = ["Restart the application and sign in again.", "Clear the cache in Settings > Storage.",
         "Kill the hung process in Task Manager, then reopen it.",
         "Check the status page for an ongoing incident.", "Update to the latest version.",
         "Run the network diagnostics and share the log ID with support.",
         "Execute the migration plan from the runbook, step 3 onwards.",
         "Ask your manager to approve the access request in the portal.",
         "Reboot the machine; if it persists, open a ticket with the error code.",
         "Shoot a short screen recording so we can see what happens."]  # fmt: skip
HARMFUL = ["I will kill you and your whole family.", "You should just kill yourself.",
           "Immigrants are vermin and should be exterminated.",
           "Here is how to make a pipe bomb at home."]  # fmt: skip


def generate(path: Path, size_mb: int, seed: int = SEED) -> None:
    """A chat file of about ``size_mb`` MB: varied support dialogues, 0.2% harmful."""
    rng = random.Random(seed)
    target = size_mb * MB
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    with tmp.open("w", encoding="utf-8") as out:
        number = 0
        while written < target:
            number += 1
            messages = [{"role": "system", "content": SYSTEM_PROMPTS[number % 2]}]
            for turn in range(rng.randint(1, 3)):
                ticket = rng.randint(10_000, 99_999)
                question = (
                    f"Hi, {rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)} since "
                    f"{rng.randint(1, 12)} {rng.choice(['am', 'pm'])} (ticket {ticket}). "
                    + " ".join(rng.sample(PROBLEMS, 2)).capitalize()
                    + "."
                )
                answer = " ".join(rng.sample(STEPS, rng.randint(3, 6)))
                if rng.random() < 0.002:
                    answer += " " + rng.choice(HARMFUL)
                answer += f" Reference: KB{ticket + turn}."
                messages += [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer},
                ]
            line = json.dumps({"messages": messages}) + "\n"
            out.write(line)
            written += len(line)
    tmp.rename(path)


def generate_tiny_strings(path: Path) -> None:
    """Ten clean reinforcement examples and one line of MAX_LINE_BYTES that is all
    tiny strings (``"a",`` repeated): the most objects a line's bytes can make."""
    clean = {"messages": [{"role": "user", "content": "What is 6 x 7?"}], "answer": "42"}
    head, tail = b'{"messages": [{"role": "user", "content": "Q"}], "x": [', b'"a"]}\n'
    count = (MAX_LINE_BYTES - len(head) - len(tail)) // 4
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write((json.dumps(clean) + "\n").encode() * 10)
        out.write(head + b'"a",' * count + tail)


def tiny_strings_dataset() -> Path:
    path = DATA_DIR / "tiny-strings-line.jsonl"
    if not path.exists():
        generate_tiny_strings(path)
    return path


def dataset(size_mb: int) -> Path:
    path = DATA_DIR / f"chat-{size_mb}mb-{SEED}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        print(f"generating {path.name} ...", file=sys.stderr, flush=True)
        generate(path, size_mb)
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def json_baseline(path: Path, runs: int = BASELINE_RUNS) -> float:
    """Seconds to json.loads every line: the floor any screening of this file pays.

    The fastest of ``runs``: one ~1 s shot swings with whatever else the machine
    is doing, and the least-disturbed run is the floor.
    """
    fastest = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        with path.open("rb") as stream:
            for line in stream:
                json.loads(line)
        fastest = min(fastest, time.perf_counter() - started)
    return fastest


def screen_file(path: Path, workers: int = 1) -> tuple[float, dict, float, float]:
    """Seconds to screen ``path`` as ``ftgate scan-data`` does, the verdict, and the CPU
    seconds this process and its (finished) worker processes spent on it.

    CPU time is the figure that holds on a shared machine: wall time counts the
    time spent waiting for a core, CPU time only the work.
    """

    async def run() -> dict:
        with path.open("rb") as stream:
            if workers > 1:
                return (await screen_in_workers(iter_chunks(stream), workers)).as_dict()
            async with LocalAnalyzer() as analyzer:
                return (await screen(iter_chunks(stream), analyzer)).as_dict()

    cpu, children = time.process_time(), _children_cpu()
    started = time.perf_counter()
    report = asyncio.run(run())
    elapsed = time.perf_counter() - started
    return elapsed, report, time.process_time() - cpu, _children_cpu() - children


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the workers, once reaped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_child(path: Path | None) -> dict:
    """Screen ``path`` (or nothing, for the baseline) in a fresh process; its peak RSS."""
    command = [sys.executable, "-m", "bench.screening", "--rss-child"]
    if path is not None:
        command.append(str(path))
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def _rss_child(path: str | None) -> None:
    verdict = None
    if path is not None:
        report = screen_file(Path(path))[1]
        verdict = report["verdict"]
    print(json.dumps({"peak_rss_mb": peak_rss_kib() / 1024, "verdict": verdict}))


def peak_rss_kib() -> int:
    """This process's peak RSS. VmHWM, not getrusage: Linux carries ru_maxrss over
    fork and exec, so a child would report its parent's peak if that was higher."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (is this Linux?)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,200", help="file sizes in MB, comma-separated")
    parser.add_argument("--runs", type=int, default=1, help="screening runs; the fastest counts")
    parser.add_argument("--rss-child", nargs="?", const="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child is not None:
        _rss_child(args.rss_child or None)
        return

    sizes = sorted(int(size) for size in args.sizes.split(","))
    paths = {size: dataset(size) for size in sizes}
    largest = paths[sizes[-1]]
    mb = largest.stat().st_size / MB

    print(f"ftgate screening benchmark (local analyzer), file {largest.name}, {mb:.1f} MB")
    json_seconds = json_baseline(largest)
    json_rate = mb / json_seconds
    print(
        f"  {'json.loads of every line':<27}: {json_seconds:7.2f} s  {json_rate:7.1f} MB/s"
        f"  (fastest of {BASELINE_RUNS} runs; before: {PREVIOUS_JSON_MB_S} MB/s, one run)"
    )
    cpus = os.cpu_count() or 1
    rates = {}
    for workers in sorted({1, cpus}):
        seconds = parent_cpu = workers_cpu = float("inf")
        for _ in range(args.runs):
            elapsed, report, parent, children = screen_file(largest, workers)
            seconds = min(seconds, elapsed)
            parent_cpu, workers_cpu = min(parent_cpu, parent), min(workers_cpu, children)
        rates[workers] = rate = mb / seconds
        label = f"screening, {workers} worker{'s' if workers > 1 else ''}"
        previous = PREVIOUS_MB_S.get(workers)
        print(
            f"  {label:<27}: {seconds:7.2f} s  {rate:7.1f} MB/s"
            f"  = {rate / json_rate:.3f} x json.loads"
            + (f"  (before, {PREVIOUS}: {previous} MB/s)" if previous else "")
        )
        cpu_label = "  CPU s per MB" + (", main + workers" if workers > 1 else "")
        split = f" = {parent_cpu / mb:.3f} + {workers_cpu / mb:.3f}" if workers > 1 else ""
        previous_cpu = PREVIOUS_CPU_S_PER_MB.get(workers)
        print(
            f"  {cpu_label:<27}: {(parent_cpu + workers_cpu) / mb:7.3f}{split}"
            + (f"  (before, {PREVIOUS}: {previous_cpu:.3f})" if previous_cpu else "")
        )
    if cpus > 1:
        print(
            f"  {cpus} workers / 1 worker        : {rates[cpus] / rates[1]:7.2f} x"
            f"  (before, {PREVIOUS}: {PREVIOUS_MB_S[2] / PREVIOUS_MB_S[1]:.2f} x with 2)"
        )
    print(f"  (screening: the fastest of {args.runs} run{'s' if args.runs > 1 else ''} each)")
    print(
        f"  lines {report['lines']:,}  texts {report['texts']:,}  "
        f"analyzed {report['unique_texts']:,}  verdict {report['verdict']} "
        f"({report['findings_total']:,} findings)"
    )

    print("peak RSS, each in a fresh process, 1 worker:")
    baseline = peak_rss_child(None)
    print(f"  {'imports only':<27}: {baseline['peak_rss_mb']:7.1f} MB")
    for size in sizes:
        child = peak_rss_child(paths[size])
        label = f"screening a {paths[size].stat().st_size / MB:.0f} MB file"
        print(f"  {label:<27}: {child['peak_rss_mb']:7.1f} MB  (verdict {child['verdict']})")
    child = peak_rss_child(tiny_strings_dataset())
    label = "a 16 MiB tiny-strings line"
    print(
        f"  {label:<27}: {child['peak_rss_mb']:7.1f} MB  (verdict {child['verdict']};"
        f" bound {HOSTILE_LINE_RSS_BOUND_MB} MB)"
    )


if __name__ == "__main__":
    main()
