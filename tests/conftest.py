"""Shared helpers for building training files in tests."""

from __future__ import annotations

import functools
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


@functools.cache
def app_functions() -> dict:
    """The function app's functions by name (the SDK lets an app list them only once)."""
    import function_app  # noqa: PLC0415 - loaded by the tests that look at the app

    return {f.get_function_name(): f for f in function_app.app.get_functions()}


@pytest.fixture(scope="session")
def azurite():
    """Azurite on free ports for the whole session (started by the tests themselves)."""
    from emulators.azurite import Azurite  # noqa: PLC0415 - only sessions that need it

    with Azurite() as running:
        yield running
