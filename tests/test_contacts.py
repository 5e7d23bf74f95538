"""Facts that cross interactions: repeat contacts and promises kept by a later interaction,
scored in the earlier one, the same in memory, across files and with `--jobs`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from checks.helpers import write_rules

import cs_score
from cs_score.pipeline import RunOptions, evaluate
from cs_score.ruleset import load_ruleset


def _contact(id: str, customer: str | None, start: str, end: str, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"id": id, "started_at": start, "ended_at": end, **extra}
    if customer is not None:
        record["customer"] = customer
    return record


def _verdicts(records: list[dict[str, Any]], rules: Path, as_of: str) -> dict[str, tuple[Any, ...]]:
    ruleset = load_ruleset(str(rules))
    moment = datetime.fromisoformat(as_of)
    found = {}
    for result in cs_score.score_records(records, ruleset, as_of=moment):
        assert isinstance(result, cs_score.InteractionResult)
        rule = result.rules["repeat"]
        found[result.id] = (rule.status, rule.credit, rule.reason)
    return found


def test_a_customer_back_within_7_days_fails_the_earlier_interaction(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, [{"id": "repeat", "kind": "repeat_contact"}])
    records = [
        _contact("A-1", "C-1", "2026-03-02T09:50:00Z", "2026-03-02T10:00:00Z"),
        _contact("B-1", "C-2", "2026-03-02T11:00:00Z", "2026-03-02T11:10:00Z"),
        _contact("A-2", "C-1", "2026-03-04T09:00:00Z", "2026-03-04T09:20:00Z"),  # 1d23h later
        _contact("B-2", "C-2", "2026-03-20T11:10:00Z", "2026-03-20T11:30:00Z"),  # 18 days later
        _contact("N-1", None, "2026-03-02T09:00:00Z", "2026-03-02T09:05:00Z"),
    ]
    assert _verdicts(records, rules, "2026-03-31T00:00:00+00:00") == {
        "A-1": ("fail", 0.0, "came back after 1d23h (A-2)"),
        "B-1": ("pass", 1.0, "no new contact within 7d"),
        "A-2": ("pass", 1.0, "no new contact within 7d"),
        "B-2": ("pass", 1.0, "no new contact within 7d"),
        "N-1": ("na", None, "no customer"),
    }
    # As of 2026-03-22 the windows of A-2 (to 03-11) has closed, B-2's (to 03-27) has not.
    early = _verdicts(records, rules, "2026-03-22T00:00:00+00:00")
    assert early["B-2"] == ("na", None, "window still open")
    assert early["A-1"][0] == "fail"


def test_only_a_later_contact_counts_and_each_interaction_its_own(tmp_path: Path) -> None:
    """Three contacts of one customer: each is resolved by the next one, never by itself
    nor by an earlier one; a contact that starts before this one started does not count."""
    rules = write_rules(tmp_path, [{"id": "repeat", "kind": "repeat_contact", "window": "2d"}])
    records = [
        _contact("X-1", "C-9", "2026-03-02T10:00:00Z", "2026-03-02T10:10:00Z"),
        _contact("X-2", "C-9", "2026-03-03T10:00:00Z", "2026-03-03T10:10:00Z"),  # 1d later
        _contact("X-0", "C-9", "2026-03-01T10:00:00Z", "2026-03-01T10:10:00Z"),  # out of order
        _contact("X-3", "C-9", "2026-03-08T10:00:00Z", "2026-03-08T10:10:00Z"),  # 5d after X-2
    ]
    found = _verdicts(records, rules, "2026-03-31T00:00:00+00:00")
    assert found == {
        "X-1": ("fail", 0.0, "came back after 23h50m (X-2)"),
        "X-2": ("pass", 1.0, "no new contact within 2d"),
        # X-0 is resolved by X-3, the next in the input that started after it: 7 days later.
        "X-0": ("pass", 1.0, "no new contact within 2d"),
        "X-3": ("pass", 1.0, "no new contact within 2d"),
    }


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_repeat_contacts_across_files_and_jobs(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, [{"id": "repeat", "kind": "repeat_contact"}])
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []
    for n in range(300):
        day = 1 + n % 9
        record = _contact(
            f"I-{n}",
            f"C-{n % 70}",
            f"2026-03-{day:02d}T10:{n % 60:02d}:00Z",
            f"2026-03-{day:02d}T11:{n % 60:02d}:00Z",
        )
        (first if n < 150 else second).append(record)
    _write(tmp_path / "a.jsonl", first)
    _write(tmp_path / "b.jsonl", second)
    ruleset = load_ruleset(str(rules))
    paths = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    texts = []
    for jobs, batch in ((1, 2000), (2, 7)):
        run = evaluate(paths, ruleset, RunOptions(jobs=jobs, keep_results=True, batch_lines=batch))
        assert run.results is not None
        texts.append(list(run.results.json_texts()))
        summary = run.report().rules_summary[0]
        run.close()
    assert texts[0] == texts[1]
    statuses = [json.loads(t)["rules"]["repeat"]["status"] for t in texts[0]]
    assert statuses.count("fail") > 100 and statuses.count("pass") > 10
    assert summary["metrics"]["repeats"] == statuses.count("fail")
