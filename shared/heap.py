"""Large buffers handed back to the operating system as soon as they are freed.

glibc serves a block of 128 KiB or more with a mapping of its own, unmapped on
free, but after the first such free it raises that threshold to the freed
block's size (up to 32 MiB). From then on the 4 MiB chunks a blob is read in,
and the SDK's copies of them, come from the heaps of the threads that read
them, and those heaps keep what they once held: screening a 100 MB blob peaked
about 20 MB above a 20 MB one (docs/benchmarks.md, bench/uploads.py). Fixing
the threshold at its default keeps every large block in its own mapping, so the
peak is set by the chunks alive at once, not by how many went by.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Final

M_MMAP_THRESHOLD: Final = -3  # mallopt's parameter, from glibc's malloc.h
LARGE_BLOCK: Final = 128 * 1024  # glibc's default threshold, no longer moved


@functools.cache
def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at :data:`LARGE_BLOCK`, once per process (every
    screened blob asks); False (nothing done) where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "gnu_get_libc_version"):  # musl and others: their own allocator
        return False
    return libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK) == 1
