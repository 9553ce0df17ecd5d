"""The one answer an HTTP endpoint gives and a client reads: a status and a JSON body.

The gate, the fine-tuning webhook and the gate client all speak it, so a trigger
turns any of them into a response the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def pending(self) -> bool:
        """The gate's "no verdict yet": 404 with ``{"status": "pending"}``, worth asking again."""
        return self.status == 404 and self.body.get("status") == "pending"
