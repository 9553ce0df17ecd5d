"""Shared helpers for building training files in tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

SYSTEM = "You are a helpful assistant for Contoso."


def chat(user: str = "How do I reset my password?", assistant: str = "Use the portal.") -> dict:
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]
    }


def jsonl(rows: Iterable[Any]) -> bytes:
    """Rows as JSONL bytes; a ``bytes`` row is written as-is (for broken lines)."""
    out = bytearray()
    for row in rows:
        out += row if isinstance(row, bytes) else json.dumps(row).encode()
        out += b"\n"
    return bytes(out)


def clean_file(count: int = 10) -> bytes:
    return jsonl(chat(f"Question {i}?", f"Answer {i}.") for i in range(count))


@pytest.fixture
def write_file(tmp_path):
    """Write bytes to a file in tmp_path and return its path."""

    def write(data: bytes, name: str = "train.jsonl"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture(scope="session")
def azurite():
    """Azurite on free ports for the whole session (started by the tests themselves)."""
    from emulators.azurite import Azurite  # noqa: PLC0415 - only sessions that need it

    with Azurite() as running:
        yield running
