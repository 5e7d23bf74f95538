"""The detector of promises written in agent messages, on the labelled messages of
`benchmarks/labels/promises/` (real ones from public corpora, and constructed ones with due
times)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ROOT

from cs_score.calendars import CalendarSpec, build_calendars
from cs_score.promise_text import find_promise

DATA = ROOT / "benchmarks" / "labels" / "promises"


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines()]


def _found(row: dict[str, object]) -> datetime | None:
    at = datetime.fromisoformat(str(row["at"]).replace("Z", "+00:00"))
    found = find_promise(str(row["text"]), at, UTC)
    return None if found is None else found.due


def test_no_promise_is_found_in_the_real_agent_messages() -> None:
    rows = _rows("promises-real.jsonl")
    assert len(rows) == 151
    assert [row["source_id"] for row in rows if _found(row) is not None] == []


@pytest.mark.parametrize("row", _rows("promises-constructed.jsonl"), ids=lambda r: r["source_id"])
def test_constructed_messages_and_their_due_times(row: dict[str, object]) -> None:
    due = _found(row)
    if row["promise"]:
        assert due == datetime.fromisoformat(str(row["due"]))
    else:
        assert due is None


def test_business_days_follow_a_calendar(tmp_path: Path) -> None:
    spec = CalendarSpec(hours={"mon-sat": "09:00-17:00"}, closed=["2026-03-09..2026-03-10"])
    calendar = build_calendars({"shop": spec}, UTC)["shop"]
    at = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday
    text = "We will refund you in 3-5 business days."
    plain = find_promise(text, at, UTC)
    assert plain is not None and plain.due.isoformat() == "2026-03-11T23:59:59+00:00"
    # Open Thu 5, Fri 6, Sat 7; closed Mon 9 and Tue 10; Wed 11; Thu 12 the fifth.
    shop = find_promise(text, at, UTC, calendar)
    assert shop is not None and shop.due.isoformat() == "2026-03-12T23:59:59+00:00"
    assert shop.when == "in 3-5 business days"
