"""Backoff for the retry loops of the service clients (Content Safety, model targets)."""

from __future__ import annotations

import random
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
