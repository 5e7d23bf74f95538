"""Precision, recall and speed of the detector of promises written in agent messages.

    python benchmarks/promises.py

Reads the labelled messages in `benchmarks/labels/promises/` (see its README): real agent
messages from public corpora, and constructed ones in the four bundled languages. A found
promise is right when the message is labelled a promise and, where the label gives one, the
due time matches.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from cs_score.promise_text import find_promise

DATA = Path(__file__).resolve().parent / "labels" / "promises"


def measure(name: str) -> None:
    rows = [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines()]
    found_right = found_wrong = missed = 0
    wrong: list[str] = []
    find_promise("I'll call you tomorrow.", datetime.now(UTC), UTC)  # warm up
    started = time.perf_counter()
    for row in rows:
        at = datetime.fromisoformat(row["at"].replace("Z", "+00:00"))
        found = find_promise(row["text"], at, UTC)
        due_right = found is not None and (
            "due" not in row or found.due == datetime.fromisoformat(row["due"])
        )
        if row["promise"] and found is not None and due_right:
            found_right += 1
        elif found is not None:
            found_wrong += 1
            wrong.append(f"  found, wrongly: {row['source_id']}: {row['text'][:80]!r}")
        elif row["promise"]:
            missed += 1
            wrong.append(f"  missed: {row['source_id']}: {row['text'][:80]!r}")
    seconds = time.perf_counter() - started
    labelled = sum(1 for row in rows if row["promise"])
    precision = found_right / (found_right + found_wrong) if found_right + found_wrong else None
    recall = found_right / labelled if labelled else None

    def rate(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f}%"

    print(
        f"{name}: {len(rows)} messages, {labelled} promises; found {found_right + found_wrong} "
        f"({found_right} right, {found_wrong} wrong); precision {rate(precision)}, "
        f"recall {rate(recall)}; {1e6 * seconds / len(rows):.1f} µs a message"
    )
    for line in wrong:
        print(line)


if __name__ == "__main__":
    for file in ("promises-real.jsonl", "promises-constructed.jsonl"):
        measure(file)
