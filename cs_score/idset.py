"""A set of interaction ids kept on disk, for the duplicate check over very long logs.

A Python `set` of a million short strings costs about 90 MB. This keeps a 64-bit fingerprint
of each id in open-addressing tables (8 bytes a slot, at most 70 % full) that live in a
temporary file, read and written with `os.pread` and `os.pwrite` (seek and read or write
where those are missing). The operating system's page cache holds the file, not this
process, so the process's memory stays the same whether it has seen a thousand ids or ten
million. Two different ids share a fingerprint with probability about n² / 2⁶⁵ (3 in 100
million for a million ids); docs/performance.md says so.

The fingerprints are spread over 256 tables by their top byte, and each table grows on its
own: a full table is copied, twice as large, to the end of the file (the old copy is left
behind, so the file is at most about twice the live tables).

Two things in memory spare nearly every system call, and take the same memory whatever the
number of ids:

- new fingerprints wait in a short list for their table (`_PENDING` each); a full list is
  written in one go: the table is read, filled in and written back, two calls for many ids.
- on disk, a Bloom filter (`_BLOOM_BLOCKS` blocks of `_BLOOM_BLOCK` bytes, three bits an
  id): an id it has not seen is surely new, so the file is read only for the rare id the
  filter cannot rule out. It rules out all but about 1 in 200 new ids up to a million, 1 in
  5 at five million. An id's three bits lie in one block, so looking them up reads memory
  once.
"""

from __future__ import annotations

import functools
import os
import struct
import tempfile
from array import array
from collections.abc import Callable, Iterable
from hashlib import blake2s
from typing import Final

_EMPTY: Final = 0
_MAX_LOAD: Final = 0.7
_SHARD_BITS: Final = 8
_SHIFT: Final = 64 - _SHARD_BITS
_SLOT: Final = 8
_WINDOW: Final = 8
"""Slots read at a time while probing (one 64-byte read finds nearly every id)."""
_FIRST_SIZE: Final = 64
_BLOOM_BLOCK: Final = 64
"""Bytes of a block of the Bloom filter, where all three bits of an id lie: one cache line."""
_BLOOM_BLOCKS = 1 << 15
"""Blocks of the filter: 2 MiB."""
_DIGEST: Final = struct.Struct("<QII")
"""A digest's first 16 bytes as the fingerprint and the Bloom filter's two numbers."""
_PENDING: Final = 256
"""New fingerprints a table takes at a time."""


class _Table:
    """One open-addressing table of fingerprints in the file (linear probing; 0: empty)."""

    __slots__ = ("count", "limit", "mask", "size", "start")

    def __init__(self, start: int, size: int) -> None:
        self.start = start
        self.size = size
        self.mask = size - 1
        self.count = 0
        self.limit = int(size * _MAX_LOAD)

    def find(self, read: _Read, fingerprint: int) -> tuple[int, bool]:
        """(slot, True) where `fingerprint` is, or (empty slot where it would go, False)."""
        index = fingerprint & self.mask
        while True:
            window = min(_WINDOW, self.size - index)
            slots = array("Q", read(window * _SLOT, self.start + index * _SLOT))
            for offset, value in enumerate(slots):
                if value == fingerprint:
                    return index + offset, True
                if value == _EMPTY:
                    return index + offset, False
            index = (index + window) & self.mask


_Read = Callable[[int, int], bytes]
"""Read (size, at offset) from the store."""
_Write = Callable[[bytes, int], object]
"""Write (bytes, at offset) to the store."""


def _closed(*_: object) -> bytes:
    raise ValueError("the id set is closed")


class _FileStore:
    """The tables' bytes in a temporary file: the page cache holds them, not the process."""

    __slots__ = ("_file", "read", "write")

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="cs-score-ids-")  # noqa: SIM115
        self.read: _Read
        self.write: _Write
        if hasattr(os, "pread"):
            fd = self._file.fileno()
            self.read = functools.partial(os.pread, fd)
            self.write = functools.partial(os.pwrite, fd)
        else:  # no positioned reads and writes (Windows): seek, then read or write
            file = self._file  # closures over the file, not the store: no reference cycle

            def read(size: int, offset: int) -> bytes:
                file.seek(offset)
                return file.read(size)

            def write(data: bytes, offset: int) -> None:
                file.seek(offset)
                file.write(data)

            self.read, self.write = read, write

    def resize(self, size: int) -> None:
        """Make the store `size` bytes long (new bytes read as zeros)."""
        self._file.truncate(size)

    def close(self) -> None:
        self._file.close()
        self.read = self.write = _closed  # the file's number may be reused


class _MemoryStore:
    """The tables' bytes in memory, for sets that stay small (one record, a few cases)."""

    __slots__ = ("_buffer", "read", "write")

    def __init__(self) -> None:
        self._buffer = buffer = bytearray()

        def read(size: int, offset: int) -> bytes:
            return bytes(buffer[offset : offset + size])

        def write(data: bytes, offset: int) -> None:
            buffer[offset : offset + len(data)] = data

        self.read: _Read = read
        self.write: _Write = write

    def resize(self, size: int) -> None:
        if size < len(self._buffer):
            del self._buffer[size:]
        else:
            self._buffer.extend(bytes(size - len(self._buffer)))

    def close(self) -> None:
        self._buffer.clear()
        self.read = self.write = _closed


def _place(slots: array[int], fingerprint: int) -> None:
    """Put a fingerprint in an in-memory table (while a table grows)."""
    mask = len(slots) - 1
    index = fingerprint & mask
    while slots[index] != _EMPTY:
        index = (index + 1) & mask
    slots[index] = fingerprint


class IdSet:
    """Which ids have been seen: `add` says whether an id is new.

    `on_disk` (the default) keeps the tables in a temporary file; False keeps them in memory,
    for sets known to stay small.
    """

    __slots__ = (
        "_bloom",
        "_count",
        "_end",
        "_pending",
        "_pending_count",
        "_read",
        "_store",
        "_tables",
        "_write",
    )

    def __init__(self, on_disk: bool = True) -> None:
        self._store = _FileStore() if on_disk else _MemoryStore()
        self._bloom = bytearray(_BLOOM_BLOCKS * _BLOOM_BLOCK) if on_disk else None
        """None: every id is looked up in the tables (in memory, that is cheap)."""
        self.clear()

    def clear(self) -> None:
        """Forget every id (the store shrinks back to empty tables)."""
        self._read = self._store.read
        self._write = self._store.write
        self._store.resize(0)
        self._end = 0
        shards = 1 << _SHARD_BITS
        self._tables = [self._allocate(_FIRST_SIZE) for _ in range(shards)]
        self._pending = array("Q", bytes(shards * _PENDING * _SLOT))
        """Fingerprints added but not yet written to their table: `_PENDING` slots a table,
        the first `_pending_count[table]` of them used (a fixed size: memory does not move)."""
        self._pending_count = [0] * shards
        if self._bloom is not None:
            self._bloom[:] = bytes(len(self._bloom))
        self._count = 0

    def _allocate(self, size: int) -> _Table:
        """A new, empty table at the end of the store (unwritten bytes read as zeros)."""
        table = _Table(self._end, size)
        self._end += size * _SLOT
        self._store.resize(self._end)
        return table

    def __len__(self) -> int:
        return self._count

    @staticmethod
    def _hash(value: str) -> tuple[int, int, int]:
        """128 bits of the id's BLAKE2s digest: the fingerprint (64, never 0), and two 32-bit
        numbers for the Bloom filter: one picks the block, the other the three bits in it."""
        # A keyed-free, stable hash: the same input gives the same report on every run.
        # The default digest size: naming one costs more than hashing a short id does.
        digest = blake2s(value.encode("utf-8", "surrogatepass")).digest()
        fingerprint, block, picks = _DIGEST.unpack_from(digest)
        return fingerprint or 1, block, picks

    @staticmethod
    def _in_bloom(bloom: bytearray, block: int, picks: int, mark: bool) -> bool:
        """Whether the filter may have seen this id (all its bits set); `mark` sets them.

        `block` picks the block; three runs of nine bits of `picks`, a bit in it each.
        """
        base = (block % (len(bloom) // _BLOOM_BLOCK)) * _BLOOM_BLOCK
        seen = True
        for bit in (picks & 511, (picks >> 9) & 511, (picks >> 18) & 511):
            byte, mask = base + (bit >> 3), 1 << (bit & 7)
            if not bloom[byte] & mask:
                if not mark:
                    return False
                seen = False
                bloom[byte] |= mask
        return seen

    def __contains__(self, value: str) -> bool:
        fingerprint, block, picks = self._hash(value)
        if self._bloom is not None and not self._in_bloom(self._bloom, block, picks, False):
            return False
        return self._has(fingerprint)

    def _has(self, fingerprint: int) -> bool:
        shard = fingerprint >> _SHIFT
        start = shard * _PENDING
        if fingerprint in self._pending[start : start + self._pending_count[shard]]:
            return True
        return self._tables[shard].find(self._read, fingerprint)[1]

    def add(self, value: str) -> bool:
        """Add an id; False if it was already there."""
        fingerprint, block, picks = self._hash(value)
        bloom = self._bloom
        maybe_seen = True if bloom is None else self._in_bloom(bloom, block, picks, True)
        if maybe_seen and self._has(fingerprint):
            return False
        shard = fingerprint >> _SHIFT
        waiting = self._pending_count[shard]
        self._pending[shard * _PENDING + waiting] = fingerprint
        self._pending_count[shard] = waiting + 1
        self._count += 1
        if waiting + 1 == _PENDING:
            self._flush(shard)
        return True

    def _flush(self, shard: int) -> None:
        """Write a table's pending fingerprints (all new) into it: one read, one write."""
        start = shard * _PENDING
        pending = self._pending[start : start + self._pending_count[shard]]
        table = self._tables[shard]
        while table.count + len(pending) > table.limit:
            table = self._tables[shard] = self._grown(table)
        slots = array("Q", self._read(table.size * _SLOT, table.start))
        for fingerprint in pending:
            _place(slots, fingerprint)
        self._write(slots.tobytes(), table.start)
        table.count += len(pending)
        self._pending_count[shard] = 0

    def _grown(self, table: _Table) -> _Table:
        """The table copied into one twice its size (only one table is in memory, briefly)."""
        old = array("Q", self._read(table.size * _SLOT, table.start))
        slots = array("Q", bytes(2 * table.size * _SLOT))
        for fingerprint in old:
            if fingerprint != _EMPTY:
                _place(slots, fingerprint)
        bigger = self._allocate(2 * table.size)
        self._write(slots.tobytes(), bigger.start)
        bigger.count = table.count
        return bigger

    def update(self, values: Iterable[str]) -> None:
        for value in values:
            self.add(value)

    def nbytes(self) -> int:
        """Bytes of the live tables' slots (in the file, when on disk)."""
        return sum(_SLOT * table.size for table in self._tables)

    def close(self) -> None:
        """Remove the file now rather than when the set is collected; the set is unusable."""
        self._store.close()
        self._read = self._write = _closed
        self._bloom = None  # every look-up goes to the closed store, which refuses
        self._pending_count = [0] * len(self._pending_count)
