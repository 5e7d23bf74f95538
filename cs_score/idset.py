"""A compact set of interaction ids, for the duplicate check over very long logs.

A Python `set` of a million short strings costs about 90 MB. This keeps a 64-bit fingerprint
of each id in flat open-addressing tables instead: 8 bytes a slot, at most 70 % full, so a
million ids take 16 MB and ten million 128 MB. Two different ids share a fingerprint with
probability about n² / 2⁶⁵ (3 in 100 million for a million ids); the README says so.

The fingerprints are spread over 256 tables by their top byte, and each table grows on its
own: growing copies one table at a time, so the set never holds two copies of itself.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from hashlib import blake2b

_EMPTY = 0
_MAX_LOAD = 0.7
_SHARD_BITS = 8
_SHIFT = 64 - _SHARD_BITS


class _Table:
    """One open-addressing table of fingerprints (linear probing; 0 marks an empty slot)."""

    __slots__ = ("count", "limit", "mask", "slots")

    def __init__(self, size: int) -> None:
        self.slots = array("Q", bytes(8 * size))
        self.mask = size - 1
        self.count = 0
        self.limit = int(size * _MAX_LOAD)

    def find(self, fingerprint: int) -> int:
        """The slot that holds `fingerprint`, or the empty slot where it would go."""
        slots, mask = self.slots, self.mask
        index = fingerprint & mask
        while slots[index] not in (fingerprint, _EMPTY):
            index = (index + 1) & mask
        return index

    def grown(self) -> _Table:
        bigger = _Table(2 * len(self.slots))
        for fingerprint in self.slots:
            if fingerprint != _EMPTY:
                bigger.slots[bigger.find(fingerprint)] = fingerprint
        bigger.count = self.count
        return bigger


class IdSet:
    """Which ids have been seen: `add` says whether an id is new."""

    __slots__ = ("_count", "_tables")

    def __init__(self) -> None:
        self._tables = [_Table(64) for _ in range(1 << _SHARD_BITS)]
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @staticmethod
    def _fingerprint(value: str) -> int:
        # A keyed-free, stable hash: the same input gives the same report on every run.
        digest = blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(digest, "little") or 1

    def __contains__(self, value: str) -> bool:
        fingerprint = self._fingerprint(value)
        table = self._tables[fingerprint >> _SHIFT]
        return table.slots[table.find(fingerprint)] == fingerprint

    def add(self, value: str) -> bool:
        """Add an id; False if it was already there."""
        fingerprint = self._fingerprint(value)
        shard = fingerprint >> _SHIFT
        table = self._tables[shard]
        index = table.find(fingerprint)
        if table.slots[index] == fingerprint:
            return False
        table.slots[index] = fingerprint
        table.count += 1
        self._count += 1
        if table.count > table.limit:
            self._tables[shard] = table.grown()
        return True

    def update(self, values: Iterable[str]) -> None:
        for value in values:
            self.add(value)

    def nbytes(self) -> int:
        """Bytes held by the tables' slots."""
        return sum(8 * len(table.slots) for table in self._tables)
