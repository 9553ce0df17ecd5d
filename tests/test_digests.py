from __future__ import annotations

import hashlib
import tracemalloc

import pytest

from shared.digests import DigestTable
from shared.trainingdata import MAX_LINES_TRACKED


def digest(i: int) -> bytes:
    return hashlib.blake2b(b"%d" % i, digest_size=16).digest()


def test_the_table_answers_as_a_set_would_up_to_its_capacity():
    table, remembered = DigestTable(100), set()
    keys = [digest(i % 150) for i in range(600)] + [bytes(16), b"\xff" * 16, bytes(16)]
    for key in keys:
        assert (key in table) == (key in remembered)
        if key not in remembered and len(remembered) < 100:
            remembered.add(key)
        table.add(key)
        assert len(table) == len(remembered)
    assert len(table) == 100
    assert bytes(16) not in table  # came after the table was full


def test_the_all_zero_digest_is_remembered_like_any_other():
    table = DigestTable(4)
    assert bytes(16) not in table
    table.add(bytes(16))
    assert bytes(16) in table
    assert len(table) == 1


def test_a_digest_of_another_size_is_refused():
    with pytest.raises(ValueError, match="16 bytes, not 32"):
        DigestTable(4).add(hashlib.sha256(b"x").digest())


def test_the_repeat_tables_memory_is_fixed_and_a_few_mb_beyond_its_capacity():
    """The reader's table of line digests, filled past its bound: the same bytes as
    empty, and under 4.5 MB (a set of bytes held the same digests in about 9 MB, and
    grew with the file until the bound)."""
    tracemalloc.start()
    try:
        table = DigestTable(MAX_LINES_TRACKED)
        empty = tracemalloc.get_traced_memory()[0]
        for i in range(MAX_LINES_TRACKED + 1_000):
            table.add(digest(i))
        full = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(table) == MAX_LINES_TRACKED
    assert full - empty < 64 * 1024  # nothing held per digest
    assert full < 4.5 * 1024 * 1024
