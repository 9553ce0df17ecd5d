from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

# Run in a fresh process: glibc serves even a large block from free heap space
# when it has some, and a long test session has plenty.
PROBE = """
import ctypes
from shared import heap

MiB = 1024 * 1024


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd",
        "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallInfo2
assert heap.return_large_blocks()
chunk = bytearray(4 * MiB)
del chunk
before = mallinfo2().hblkhd
block = bytearray(MiB)
assert mallinfo2().hblkhd - before >= MiB, "a 1 MiB block came from the heap"
del block
assert mallinfo2().hblkhd == before, "a freed 1 MiB block stayed mapped"
"""


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="glibc 2.33+ only")
def test_a_large_block_is_mapped_on_its_own_even_after_a_larger_one_was_freed():
    """Freeing a 4 MiB block moves glibc's threshold to 4 MiB unless it is fixed;
    a 1 MiB block would then come from the heap, which keeps its peak."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], check=False, capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr
