"""The `html` page: trends that merge, the interactions it lists, and what it shows of them."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, ROOT, Ran, chat

from cs_score import api
from cs_score.formats.html import MAX_GROUP_ROWS, _gather, h
from cs_score.report import GateSettings, build_report

RULES = (
    "cs_score: 1\n"
    "pass_score: 70\n"
    "rules:\n"
    "  - {id: wait, kind: wait_time, target: 1m}\n"
    "  - {id: hello, kind: greeting}\n"
)


def _on(day: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record moved to another day (the chat helper's records start on 2026-03-02)."""
    moved: dict[str, Any] = json.loads(json.dumps(record).replace("2026-03-02", day))
    return moved


@pytest.fixture
def three_chats() -> list[dict[str, Any]]:
    return [
        chat("A", "Hello, it ships today.", wait=30),  # wait 1, hello 1: 100
        chat("B", "It ships today.", wait=120),  # wait 0.5, hello 0: 25
        _on("2026-03-03", chat("C", "Hello there, it ships today.", wait=150)),  # 0.25, 1: 62.5
    ]


def _trends(records: list[dict[str, Any]], rules: Path, split: bool = False) -> dict[str, Any]:
    ruleset = api.load_ruleset(rules)
    scored = list(api.score_records(records, ruleset))
    if split:
        parts = [api.fold(scored[n::2], ruleset) for n in (1, 0)]
        part = api.merge(parts)
    else:
        part = api.fold(scored, ruleset)
    trends: dict[str, Any] = build_report(part, GateSettings.resolve(ruleset)).trends
    return trends


def test_trends_by_day_have_exact_figures(
    three_chats: list[dict[str, Any]], write_rules: Callable[..., Path]
) -> None:
    trends = _trends(three_chats, write_rules(RULES))
    assert trends["period"] == "day" and trends["undated"] == 0
    first, second = trends["rows"]
    assert (first["start"], first["count"], first["mean_score"], first["pass_rate"]) == (
        "2026-03-02",
        2,
        62.5,
        50.0,
    )
    assert (second["start"], second["count"], second["mean_score"], second["pass_rate"]) == (
        "2026-03-03",
        1,
        62.5,
        0.0,
    )
    assert first["rules"]["wait"]["mean_credit"] == 0.75
    assert first["rules"]["hello"] == {
        "applicable": 2,
        "passed": 1,
        "mean_credit": 0.5,
        "metrics": {},
    }
    waits = first["rules"]["wait"]["metrics"]
    assert (waits["median_wait_seconds"], waits["p90_wait_seconds"]) == (75.0, 111.0)
    assert second["rules"]["wait"]["metrics"]["median_wait_seconds"] == 150.0


def test_trends_merge_whatever_the_split(
    three_chats: list[dict[str, Any]], write_rules: Callable[..., Path]
) -> None:
    rules = write_rules(RULES)
    assert _trends(three_chats, rules, split=True) == _trends(three_chats, rules)


def test_a_log_over_months_is_trended_by_week(write_rules: Callable[..., Path]) -> None:
    records = [
        _on("2026-01-05", chat("mon", "Hello")),
        _on("2026-01-11", chat("sun", "Hello")),
        _on("2026-03-20", chat("later", "Hello")),
        {"id": "undated", "events": [{"from": "agent", "text": "Hello"}]},
    ]
    trends = _trends(records, write_rules(RULES))
    assert trends["period"] == "week" and trends["undated"] == 1
    assert [(row["start"], row["count"]) for row in trends["rows"]] == [
        ("2026-01-05", 2),
        ("2026-03-16", 1),
    ]


def _results(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"R{n:03d}",
            "score": float(n % 50) * 2,
            "grade": "A",
            "passed": True,
            "critical_failure": None,
            "agent": "ana",
            "rules": {},
        }
        for n in range(count)
    ]


def test_the_page_lists_the_lowest_and_a_seeded_sample_of_the_others() -> None:
    results = _results(300)
    gathered = _gather(results, (), worst_n=5, sample_n=20, seed=0)
    assert gathered.count == 300
    # The five lowest, by score then input order: the score 0s at positions 0, 50, 100 …
    assert [r["id"] for _, _, r in gathered.worst] == ["R000", "R050", "R100", "R150", "R200"]
    sampled = [r["id"] for _, _, r in gathered.sample]
    assert len(sampled) == 20 and len(set(sampled)) == 20
    assert not set(sampled) & {r["id"] for _, _, r in gathered.worst}
    assert sampled == sorted(sampled)  # shown in input order
    # The same interactions whatever the order of the input; another seed draws others.
    shuffled = results[:]
    random.Random(4).shuffle(shuffled)
    again = _gather(shuffled, (), worst_n=5, sample_n=20, seed=0)
    assert sorted(r["id"] for _, _, r in again.sample) == sorted(sampled)
    other = _gather(results, (), worst_n=5, sample_n=20, seed=1)
    assert sorted(r["id"] for _, _, r in other.sample) != sorted(sampled)
    # When the log grows, what the sample draws from its first part was drawn before.
    longer = _gather(_results(600), (), worst_n=5, sample_n=20, seed=0)
    from_first_part = {r["id"] for _, _, r in longer.sample if r["id"] < "R300"}
    assert from_first_part and from_first_part < set(sampled)


def test_the_histogram_counts_every_rated_interaction() -> None:
    results = [*_results(300), {**_results(1)[0], "id": "x", "score": None}]
    gathered = _gather(results, (), worst_n=0, sample_n=0, seed=0)
    # scores 0, 2, …, 98, six times each: five of each ten-point band
    assert gathered.histogram == [30] * 10
    assert gathered.worst == [] and gathered.sample == []


def test_cli_options_set_how_many_are_listed(cli: Callable[..., Ran]) -> None:
    ran = cli(
        "evaluate", EXAMPLE, "-f", "html", "--html-worst", "3", "--html-sample", "2", cwd=ROOT
    )
    assert ran.code == 1, ran.stderr
    page = ran.stdout
    assert page.count('data-which="worst"') == 3
    assert page.count('data-which="sample"') == 2
    assert "the 3 lowest-scoring (at most 3) and a sample of 2 others" in page
    assert page.count("<details") == 5
    ran = cli("evaluate", EXAMPLE, "-f", "html", "--html-worst", "-1", cwd=ROOT)
    assert ran.code == 2
    assert "Invalid value for '--html-worst': Input should be greater than or equal to 0" in (
        ran.stderr
    )


def test_each_listed_interaction_shows_what_explain_shows(cli: Callable[..., Ran]) -> None:
    page = cli("evaluate", EXAMPLE, "-f", "html", cwd=ROOT).stdout
    explained = cli("explain", EXAMPLE, "--id", "INT-0012", "-f", "json", cwd=ROOT).json()
    start = page.index('data-id="INT-0012"')
    item = page[start : page.index("</details>", start)]
    for rule_id, rule in explained["interaction"]["rules"].items():
        row = re.search(rf'<tr data-rule="{re.escape(rule_id)}">(.*?)</tr>', item)
        assert row is not None, rule_id
        assert f'<td class="reason">{h(rule["reason"])}</td>' in row.group(1)
    assert "did not pass: critical rule conduct failed" in item
    assert "The critical rule conduct failed, so the score is 0" in item
    # The matched phrase is marked in the evidence, in the agent's own words.
    assert "<mark>stupid question</mark>" in item


def test_a_group_table_lists_the_largest_groups_only(
    cli: Callable[..., Ran], write_log: Callable[..., Path]
) -> None:
    records = [chat(f"C{n}", "Hello", case=f"case-{n:04d}") for n in range(MAX_GROUP_ROWS + 5)]
    records += [chat(f"D{n}", "Hello", case="case-9999") for n in range(3)]
    ran = cli("evaluate", write_log(records), "-f", "html", "--group-by", "case")
    assert ran.code == 0, ran.stderr
    start = ran.stdout.index("<h3>By case</h3>")
    table = ran.stdout[start : ran.stdout.index("</table>", start)]
    assert f"The {MAX_GROUP_ROWS} largest of {MAX_GROUP_ROWS + 6} groups" in table
    assert table.count("<tr") == MAX_GROUP_ROWS + 1  # and the head
    assert "<td>case-9999</td>" in table and "<td>case-0000</td>" in table
    assert "<td>case-0204</td>" not in table  # of the groups of one, the last by name go


def test_days_are_those_of_the_rule_sets_time_zone(write_rules: Callable[..., Path]) -> None:
    """Around local midnight (Kathmandu is UTC+5:45), in and out of the quarter hours."""
    rules = write_rules(
        RULES.replace("pass_score: 70\n", "pass_score: 70\ntimezone: Asia/Kathmandu\n")
    )

    def at(stamp: str) -> dict[str, Any]:
        record = chat(f"at-{stamp}", "Hello")
        return json.loads(json.dumps(record).replace("2026-03-02T10:00", f"2026-03-02T{stamp}"))

    # 18:14 UTC is 23:59 there; 18:15 is midnight; 18:29 still the 3rd.
    records = [at("18:00"), at("18:14"), at("18:15"), at("18:16"), at("18:29")]
    trends = _trends(records, rules)
    assert [(row["start"], row["count"]) for row in trends["rows"]] == [
        ("2026-03-02", 2),
        ("2026-03-03", 3),
    ]
