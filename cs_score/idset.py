"""A compact set of interaction ids, for the duplicate check over very long logs.

A Python `set` of a million short strings costs about 90 MB. This keeps a 64-bit fingerprint
of each id in one flat open-addressing table instead: 8 bytes a slot, at most 70 % full, so a
million ids take 16 MB and ten million 128 MB. Two different ids share a fingerprint with
probability about n² / 2⁶⁵ (3 in 100 million for a million ids); the README says so.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from hashlib import blake2b

_EMPTY = 0
_MAX_LOAD = 0.7


class IdSet:
    """Which ids have been seen: `add` says whether an id is new."""

    __slots__ = ("_count", "_limit", "_mask", "_slots")

    def __init__(self, capacity: int = 1 << 16) -> None:
        size = 1
        while size < capacity:
            size <<= 1
        self._slots = array("Q", bytes(8 * size))
        self._mask = size - 1
        self._count = 0
        self._limit = int(size * _MAX_LOAD)

    def __len__(self) -> int:
        return self._count

    @staticmethod
    def _fingerprint(value: str) -> int:
        # A keyed-free, stable hash: the same input gives the same report on every run.
        digest = blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(digest, "little") or 1

    def _find(self, fingerprint: int) -> int:
        """The slot that holds `fingerprint`, or the empty slot where it would go."""
        slots, mask = self._slots, self._mask
        index = fingerprint & mask
        while slots[index] not in (fingerprint, _EMPTY):
            index = (index + 1) & mask
        return index

    def __contains__(self, value: str) -> bool:
        fingerprint = self._fingerprint(value)
        return self._slots[self._find(fingerprint)] == fingerprint

    def add(self, value: str) -> bool:
        """Add an id; False if it was already there."""
        fingerprint = self._fingerprint(value)
        index = self._find(fingerprint)
        if self._slots[index] == fingerprint:
            return False
        self._slots[index] = fingerprint
        self._count += 1
        if self._count > self._limit:
            self._grow()
        return True

    def update(self, values: Iterable[str]) -> None:
        for value in values:
            self.add(value)

    def _grow(self) -> None:
        old = self._slots
        size = 2 * len(old)
        self._slots = array("Q", bytes(8 * size))
        self._mask = size - 1
        self._limit = int(size * _MAX_LOAD)
        for fingerprint in old:
            if fingerprint != _EMPTY:
                self._slots[self._find(fingerprint)] = fingerprint
