"""Pacing and backoff for the service clients (Content Safety, model targets)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from typing import Final

BACKOFF_MAX: Final = 30.0


def backoff_delay(attempt: int, base: float, ceiling: float = BACKOFF_MAX) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): exponential, with full jitter.

    Full jitter spreads the retries of many clients that failed together, so they
    do not return together and fail again.
    """
    return random.uniform(0, min(ceiling, base * 2 ** (attempt - 1)))


def retry_after_seconds(headers: object) -> float | None:
    """The Retry-After header in seconds, if present and numeric."""
    value = headers.get("Retry-After") if hasattr(headers, "get") else None  # type: ignore[union-attr]
    try:
        return max(0.0, float(value)) if value else None
    except (TypeError, ValueError):
        return None


class RateLimiter:
    """Keeps requests under ``limit`` per ``per`` seconds, as the service meters them.

    Requests are spaced evenly, and no rolling window holds more than the
    budget, even after the event loop stalls and several callers wake at once.
    The budget keeps ``HEADROOM`` below the quota, since the service counts
    arrivals and the network adds jitter. A 429 pauses every caller: the quota is
    the resource's, not one request's.
    """

    HEADROOM: Final = 0.95

    def __init__(self, limit: float, per: float = 1.0) -> None:
        budget = limit * self.HEADROOM
        self._window = per
        self._budget = max(1, int(budget))
        self._interval = per / budget
        self._sent: deque[float] = deque()
        self._next = 0.0
        self._paused_until = 0.0
        self._turn = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._turn:  # first come, first served
            while True:
                now = time.monotonic()
                while self._sent and self._sent[0] <= now - self._window:
                    self._sent.popleft()
                window_full = len(self._sent) >= self._budget
                wait = max(
                    self._next - now,
                    self._paused_until - now,
                    self._sent[0] + self._window - now if window_full else 0.0,
                )
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._sent.append(now)
            # Schedule from the slot, not from when this caller woke: sleeping late
            # must not slow the rate. After an idle spell, start afresh from now.
            slot = self._next if now - self._next < self._interval else now
            self._next = slot + self._interval

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
