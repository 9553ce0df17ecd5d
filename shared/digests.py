"""A bounded set of 16-byte digests held in one fixed table.

The reader remembers the digests of up to ``MAX_LINES_TRACKED`` distinct lines
to spot repeated examples. A Python set of ``bytes`` costs about 90 bytes per
digest (the object, and a table that doubles as it fills), so its memory grows
with the file until the bound; this table is sized once for its capacity (16
bytes a slot, at most half full), so the reader's memory is the same constant
for a 20 MB file and a 500 MB one.
"""

from __future__ import annotations

DIGEST_SIZE = 16
_EMPTY = (0, 0)  # a free slot; the all-zero digest is remembered apart


class DigestTable:
    """Up to ``capacity`` distinct digests: open addressing with linear probing
    over two unsigned 64-bit words per slot."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._slots = 1 << (2 * capacity - 1).bit_length()  # a power of two, at most half full
        self._mask = self._slots - 1
        self._words = memoryview(bytearray(DIGEST_SIZE * self._slots)).cast("Q")
        self._size = 0
        self._has_zero = False

    def __len__(self) -> int:
        return self._size

    def __contains__(self, digest: bytes) -> bool:
        high, low = self._split(digest)
        if (high, low) == _EMPTY:
            return self._has_zero
        return not self._free(self._find(high, low))

    def add(self, digest: bytes) -> None:
        """Remember ``digest``; a table already at capacity ignores new ones."""
        high, low = self._split(digest)
        if (high, low) == _EMPTY:
            if not self._has_zero and self._size < self.capacity:
                self._has_zero, self._size = True, self._size + 1
            return
        slot = self._find(high, low)
        if self._free(slot) and self._size < self.capacity:
            self._words[2 * slot], self._words[2 * slot + 1] = high, low
            self._size += 1

    def _free(self, slot: int) -> bool:
        return (self._words[2 * slot], self._words[2 * slot + 1]) == _EMPTY

    def _find(self, high: int, low: int) -> int:
        """The slot holding (high, low), or the free slot where it would go."""
        words, slot = self._words, low & self._mask
        while True:
            stored_high, stored_low = words[2 * slot], words[2 * slot + 1]
            if (stored_high, stored_low) in (_EMPTY, (high, low)):
                return slot
            slot = (slot + 1) & self._mask

    @staticmethod
    def _split(digest: bytes) -> tuple[int, int]:
        if len(digest) != DIGEST_SIZE:
            raise ValueError(f"a digest is {DIGEST_SIZE} bytes, not {len(digest)}")
        return int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little")
