"""The compact id set behind the duplicate check."""

from __future__ import annotations

import functools
import gc
import os
import tracemalloc
from collections.abc import Callable

import pytest

from cs_score import idset
from cs_score.idset import IdSet


@pytest.fixture(params=["pread", "seek", "crowded", "memory"])
def new_set(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Callable[[], IdSet]:
    """IdSet on disk with positioned reads and writes, on disk where they are missing (seek,
    then read or write), on disk with a Bloom filter of one block (full at once, so every id is
    looked up in the tables and the fingerprints waiting for them), and in memory."""
    if request.param == "seek":
        monkeypatch.delattr(os, "pread")
    if request.param == "crowded":
        monkeypatch.setattr(idset, "_BLOOM_BLOCKS", 1)
    return functools.partial(IdSet, on_disk=request.param != "memory")


@pytest.mark.slow  # 50,000 ids, four ways
def test_ids_are_found_after_the_tables_grow(new_set: Callable[[], IdSet]) -> None:
    ids = new_set()
    count = 50_000
    assert all(ids.add(f"INT-{n}") for n in range(count))
    assert len(ids) == count
    assert not any(ids.add(f"INT-{n}") for n in range(0, count, 7))  # repeats are refused
    assert all(f"INT-{n}" in ids for n in range(count))
    assert not any(f"OTHER-{n}" in ids for n in range(count))
    assert len(ids) == count


@pytest.mark.slow  # 200,000 ids
def test_memory_is_eight_bytes_a_slot_at_most_seventy_percent_full() -> None:
    ids = IdSet()
    ids.update(str(n) for n in range(200_000))
    assert 200_000 * 8 / 0.7 <= ids.nbytes() <= 4 * 200_000 * 8 / 0.7
    assert IdSet().nbytes() == 256 * 64 * 8  # 128 KiB before any id


def test_unusual_ids_are_kept_apart(new_set: Callable[[], IdSet]) -> None:
    ids = new_set()
    for value in ("", " ", "é", "e\u0301", "\ud800", "a" * 10_000):
        assert ids.add(value)
    assert len(ids) == 6
    assert "\ud800" in ids and "e" not in ids


@pytest.mark.slow
def test_the_process_holds_no_more_as_ids_are_added() -> None:
    waiting_at_most = 256 * idset._PENDING  # fingerprints that may still wait for their table
    first = 20_000 + waiting_at_most
    ids = IdSet()
    ids.update(f"INT-{n}" for n in range(first))
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        ids.update(f"INT-{n}" for n in range(first, first + 100_000))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ids) == first + 100_000
    assert ids.nbytes() >= 110_000 * 8 / 0.7  # the slots are there, in the file
    # and not in this process: what it holds is the tables' bookkeeping, a few hundred bytes
    # a table, against the 800 KB the 100,000 new fingerprints take
    assert after - before < 100_000


def test_a_cleared_set_forgets_and_a_closed_one_refuses(new_set: Callable[[], IdSet]) -> None:
    ids = new_set()
    ids.update(f"INT-{n}" for n in range(5_000))
    ids.clear()
    assert len(ids) == 0 and "INT-7" not in ids
    assert ids.nbytes() == 256 * 64 * 8
    assert ids.add("INT-7") and not ids.add("INT-7")
    ids.close()
    with pytest.raises(ValueError, match="the id set is closed"):
        ids.add("INT-8")
    with pytest.raises(ValueError, match="the id set is closed"):
        assert "INT-7" in ids  # even one still waiting to be written


@pytest.mark.parametrize("positioned", [True, False])
def test_a_dropped_set_closes_its_file_at_once(
    positioned: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reference cycle keeps a set, and so its open file, alive until a collection."""
    if not positioned:
        monkeypatch.delattr(os, "pread")
    gc.disable()
    try:
        ids = IdSet()
        ids.add("INT-1")
        descriptor = ids._store._file.fileno()  # type: ignore[union-attr]
        os.fstat(descriptor)
        del ids
        with pytest.raises(OSError):
            os.fstat(descriptor)
    finally:
        gc.enable()
