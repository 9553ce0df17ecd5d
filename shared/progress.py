"""What the command line shows on stderr while it works: never the data, only counts."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final, TextIO

if TYPE_CHECKING:
    from shared.simulation.driver import ConversationResult


class Progress:
    """A one-line progress bar on stderr, shown once a scan takes more than a moment."""

    DELAY = 0.5  # seconds before the bar appears, so quick scans stay quiet
    INTERVAL = 0.1  # seconds between redraws
    WIDTH: Final = 30

    def __init__(self, total: int | None, out: TextIO) -> None:
        self.total = total
        self.out = out
        self.started = time.monotonic()
        self.last_drawn = 0.0
        self.drawn = False

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.started < self.DELAY or now - self.last_drawn < self.INTERVAL:
            return
        self.last_drawn = now
        rate = done / (now - self.started) / 1e6
        if self.total:
            filled = int(self.WIDTH * done / self.total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            share = 100 * done / self.total
            text = f"[{bar}] {share:5.1f}% {done / 1e6:.1f}/{self.total / 1e6:.1f} MB"
        else:
            text = f"{done / 1e6:.1f} MB"
        self.out.write(f"\r{text} {rate:.1f} MB/s")
        self.out.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.out.write("\r\033[K")
            self.out.flush()


class ConversationCounter:
    """Conversations so far, on one stderr line, while an evaluation runs."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.done = 0

    def update(self, result: ConversationResult) -> None:
        self.done += 1
        self.out.write(f"\r{self.done} conversations")
        self.out.flush()

    def close(self) -> None:
        self.out.write("\r\033[K")
        self.out.flush()
