"""The compact id set behind the duplicate check."""

from __future__ import annotations

import os
import tracemalloc

import pytest

from cs_score.idset import IdSet


@pytest.fixture(params=["pread", "seek"])
def new_set(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type[IdSet]:
    """IdSet, with positioned reads and writes, and as it works where they are missing."""
    if request.param == "seek":
        monkeypatch.delattr(os, "pread")
    return IdSet


def test_ids_are_found_after_the_tables_grow(new_set: type[IdSet]) -> None:
    ids = new_set()
    count = 50_000
    assert all(ids.add(f"INT-{n}") for n in range(count))
    assert len(ids) == count
    assert not any(ids.add(f"INT-{n}") for n in range(0, count, 7))  # repeats are refused
    assert all(f"INT-{n}" in ids for n in range(count))
    assert not any(f"OTHER-{n}" in ids for n in range(count))
    assert len(ids) == count


def test_memory_is_eight_bytes_a_slot_at_most_seventy_percent_full() -> None:
    ids = IdSet()
    ids.update(str(n) for n in range(200_000))
    assert 200_000 * 8 / 0.7 <= ids.nbytes() <= 4 * 200_000 * 8 / 0.7
    assert IdSet().nbytes() == 256 * 64 * 8  # 128 KiB before any id


def test_unusual_ids_are_kept_apart(new_set: type[IdSet]) -> None:
    ids = new_set()
    for value in ("", " ", "é", "e\u0301", "\ud800", "a" * 10_000):
        assert ids.add(value)
    assert len(ids) == 6
    assert "\ud800" in ids and "e" not in ids


def test_the_process_holds_no_more_as_ids_are_added() -> None:
    ids = IdSet()
    ids.update(f"INT-{n}" for n in range(1_000))
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        ids.update(f"INT-{n}" for n in range(1_000, 51_000))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ids) == 51_000
    assert ids.nbytes() >= 51_000 * 8 / 0.7  # the slots are there, in the file
    assert after - before < ids.nbytes() / 8  # and not in this process (only 256 tables)
