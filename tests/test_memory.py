"""What a run holds for the whole input stays on disk, so memory does not grow with the log."""

from __future__ import annotations

import pickle
import tracemalloc
from collections.abc import Callable

import pytest

from cs_score.pipeline import HeldLine, Ledger, PackedResult, unpack
from cs_score.records import RawLine


def _growth(work: Callable[[], None]) -> int:
    """Bytes still allocated after `work`, beyond what was allocated before it."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        work()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return after - before


@pytest.mark.slow
def test_held_results_and_their_promise_ids_are_not_kept_in_memory() -> None:
    ledger = Ledger(spill=True)
    pickled = b"\x80" * 1500  # about what a held line takes
    count = 20_000

    def hold() -> None:
        ledger.take(PackedResult(seq, (f"P{seq}-1", f"P{seq}-2"), pickled) for seq in range(count))

    grown = _growth(hold)
    assert ledger.held == count
    assert grown < 100_000  # 20,000 results of 1.5 KB and 40,000 promise ids: 30 MB and more
    assert list(ledger.pop_packed(7_000)) == [[pickled] * 7_000] * 2 + [[pickled] * 6_000]
    assert ledger.held == 0


def test_a_held_line_packs_into_its_own_bytes_and_back() -> None:
    odd_name = "logs/caf\udce9 day.jsonl"  # a file name that is not UTF-8 on disk
    line = HeldLine(41, RawLine(odd_name, 7, b'{"id": "I-1", "events": []}'))
    packed = line.pack()
    assert packed.startswith(b"L") and packed.endswith(b'{"id": "I-1", "events": []}')
    assert unpack(packed) == line
    assert unpack(pickle.dumps(line)) == line  # a pickle is told apart by its first byte
