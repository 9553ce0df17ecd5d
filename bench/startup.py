"""Benchmark: how fast ``ftgate`` starts and how much memory it takes doing so.

Runs, as separate processes, ``ftgate --version`` and ``ftgate analyze`` of one line
on the embedded analyzer (it imports numpy, opens the linear classifier and builds
the rule engine; the ~70 MB encoder is mapped only for a sentence the gate opens
for), then the bare imports of ``shared.cli`` and of the embedded analyzer's first
score. The cases take turns, RUNS rounds, so that other work on a shared machine
slows each alike; each prints its wall time (fastest and median of the runs), its CPU
time (fastest and median) and the peak resident memory (the largest), beside the
figures measured before (``PREVIOUS``), and the load average while it ran.

Python's bytecode is compiled once first (as ``pip install`` does), so that no run
pays for compiling ftgate's modules even where PYTHONDONTWRITEBYTECODE is set.

Run with ``make bench`` (or ``python -m bench.startup``).
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import shared

RUNS = 11
FTGATE = shutil.which("ftgate", path=str(Path(sys.executable).parent)) or "ftgate"
# Main before the offline analyze lost asyncio and the classifier's dict was built on
# demand (e5d9167; docs/benchmarks.md, 2026-11-28, 21 runs, load average 2.9-3.4):
# wall fastest and median (s), peak RSS (MB).
PREVIOUS = {
    "ftgate --version": (0.164, 0.226, 23),
    "ftgate analyze (1 line, local)": (0.503, 0.616, 72),
}


def _run(argv: list[str]) -> tuple[float, float, int]:
    """One run: wall time (s), CPU time (s), peak RSS (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if (code := os.waitstatus_to_exitcode(status)) != 0:
        raise SystemExit(f"{argv} exited {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024  # kB on Linux


def main() -> None:
    compileall.compile_dir(Path(shared.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as scratch:
        line = Path(scratch) / "one-line.txt"
        line.write_text("How do I bake bread?\n")
        cases = {
            "ftgate --version": [FTGATE, "--version"],
            "ftgate analyze (1 line, local)": [FTGATE, "analyze", str(line), "--analyzer", "local"],
            "python -c 'import shared.cli'": [sys.executable, "-c", "import shared.cli"],
            "python: local analyzer, first score": [
                sys.executable,
                "-c",
                "from shared.analyzers.local import score; score('How do I bake bread?')",
            ],
        }
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cases}
        load_before = os.getloadavg()[0]
        for _ in range(RUNS):
            for name, argv in cases.items():
                runs[name].append(_run(argv))
        load_after = os.getloadavg()[0]
    print(
        f"CLI start-up, {RUNS} runs each, taking turns (load average {load_before:.1f} "
        f"before, {load_after:.1f} after, on {os.cpu_count()} CPUs)"
    )
    wall_header, cpu_header = "wall s fastest / median", "CPU s fastest / median"
    print(f"  {'command':<38} {wall_header:>24} {cpu_header:>24} {'peak RSS MB':>12}")
    for name, measured in runs.items():
        walls, cpus, peaks = zip(*measured, strict=True)
        wall = f"{min(walls):.3f} / {statistics.median(walls):.3f}"
        cpu = f"{min(cpus):.3f} / {statistics.median(cpus):.3f}"
        before = ""
        if previous := PREVIOUS.get(name):
            before = f"  (before: {previous[0]:.3f} / {previous[1]:.3f} s, {previous[2]} MB)"
        print(f"  {name:<38} {wall:>24} {cpu:>24} {max(peaks):>12}{before}")


if __name__ == "__main__":
    main()
