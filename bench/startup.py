"""Benchmark: how fast ``ftgate`` starts and how much memory it takes doing so.

Runs, as separate processes, ``ftgate --version`` and ``ftgate analyze`` of one line
on the embedded analyzer (its first score loads numpy and the linear classifier, most
of its time; the ~70 MB encoder is mapped only for a sentence the gate opens for),
then the bare imports of ``shared.cli`` and of the embedded analyzer's first score.
Prints, for each, the wall time (the least of RUNS runs, the figure least disturbed by
other work on the machine), the CPU time of that run and the peak resident memory (the
largest of the runs).

Run with ``make bench`` (or ``python -m bench.startup``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
FTGATE = shutil.which("ftgate", path=str(Path(sys.executable).parent)) or "ftgate"


def _measure(argv: list[str]) -> tuple[float, float, int]:
    """Least wall time (s), its CPU time (s), and the largest peak RSS (MB) over RUNS runs."""
    best, cpu, peak = float("inf"), 0.0, 0
    for _ in range(RUNS):
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"{argv} exited {process.returncode}")
        if wall < best:
            best, cpu = wall, usage.ru_utime + usage.ru_stime
        peak = max(peak, usage.ru_maxrss // 1024)  # kB on Linux
    return best, cpu, peak


def main() -> None:
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
                "import asyncio; from shared.analyzers import LocalAnalyzer; "
                "asyncio.run(LocalAnalyzer().analyze(['How do I bake bread?']))",
            ],
        }
        print(f"CLI start-up, {RUNS} runs each (wall: least; CPU: of that run; RSS: largest)")
        print(f"  {'command':<38} {'wall s':>7} {'CPU s':>7} {'peak RSS MB':>12}")
        for name, argv in cases.items():
            wall, cpu, peak = _measure(argv)
            print(f"  {name:<38} {wall:>7.3f} {cpu:>7.3f} {peak:>12}")


if __name__ == "__main__":
    main()
