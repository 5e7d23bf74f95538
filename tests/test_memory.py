"""What a run holds for the whole input stays on disk, so memory does not grow with the log."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

from cs_score.pipeline import Ledger, PackedResult


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
