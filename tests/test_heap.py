from __future__ import annotations

import ctypes

import pytest

from shared import heap

MiB = 1024 * 1024


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _mapped_bytes() -> int:
    """Bytes glibc holds in blocks mapped on their own (unmapped when freed)."""
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = _MallInfo2
    return mallinfo2().hblkhd


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="glibc 2.33+ only")
def test_a_large_block_is_mapped_on_its_own_even_after_a_larger_one_was_freed():
    """Freeing a 4 MiB block moves glibc's threshold to 4 MiB unless it is fixed;
    a 1 MiB block would then come from the heap, which keeps its peak."""
    assert heap.return_large_blocks()
    chunk = bytearray(4 * MiB)
    del chunk
    before = _mapped_bytes()
    block = bytearray(MiB)
    assert _mapped_bytes() - before >= MiB
    del block
    assert _mapped_bytes() == before  # unmapped: back to the system
