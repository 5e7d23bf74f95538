"""The report figures of response_time, escalation, closing and phrase: exact, and mergeable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import one_rule_ruleset, score_record

from cs_score.report import GateSettings, ReportPart, build_report


def _msg(who: str, text: str, at: str | None = None, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"from": who, "text": text, **extra}
    if at is not None:
        event["at"] = f"2026-03-05T{at}Z"
    return event


def _figures(
    tmp_path: Path, kind: str, params: dict[str, Any], records: list[dict[str, Any]]
) -> dict[str, Any]:
    """The rule's metrics over the records, built whole and as two merged parts (which agree)."""
    ruleset = one_rule_ruleset(tmp_path, kind, params)
    results = []
    for n, record in enumerate(records):
        result = score_record({"id": f"R{n}", **record}, ruleset)
        result.seq = n  # as the pipeline numbers them
        results.append(result)
    whole = ReportPart(ruleset)
    first, second = ReportPart(ruleset), ReportPart(ruleset)
    for n, result in enumerate(results):
        whole.add(result)
        (first if n % 2 else second).add(result)
    second.merge(first)
    summaries = [
        build_report(part, GateSettings(), [], None).rules_summary[0] for part in (whole, second)
    ]
    assert summaries[0] == summaries[1]
    figures: dict[str, Any] = summaries[0]["metrics"]
    return figures


def test_response_time_figures(tmp_path: Path) -> None:
    records = [
        {"events": [_msg("customer", "a", "10:00:00"), _msg("agent", "b", "10:00:30")]},
        {
            "events": [
                _msg("customer", "a", "10:00:00"),
                _msg("customer", "b", "10:00:10"),
                _msg("agent", "c", "10:01:30"),
                _msg("customer", "thanks", "10:02:00"),
            ]
        },
        {"events": [_msg("customer", "a", "10:00:00"), _msg("agent", "b", "10:00:10")]},
        {"events": [_msg("customer", "hello?", "10:00:00")]},
    ]
    assert _figures(tmp_path, "response_time", {}, records) == {
        "answered": 4,
        "in_time": 2,
        "in_time_rate": 50.0,
        "unanswered": 2,
        "mean_response_seconds": 52.5,  # (30 + 90 + 80 + 10) / 4
        "median_response_seconds": 55.0,
        "p90_response_seconds": 87.0,
        "target_seconds": 60.0,
    }


def test_escalation_figures(tmp_path: Path) -> None:
    asks = _msg("customer", "I want to speak to a manager")
    records = [
        {"resolution": {"status": "escalated"}, "events": [asks]},
        {"events": [asks, {"from": "agent", "type": "action", "action": "escalate"}]},
        {"resolution": {"status": "unresolved"}, "events": [asks]},
        {"resolution": {"status": "escalated"}, "events": [_msg("customer", "broken")]},
        {"events": [_msg("customer", "broken")]},
    ]
    assert _figures(tmp_path, "escalation", {}, records) == {
        "requests": 3,
        "granted": 2,
        "refused": 1,
        "granted_rate": 66.67,
        "granted_by": {"status": 1, "action": 1},
        "unrequested": 1,
    }


def test_closing_figures(tmp_path: Path) -> None:
    records = [
        {"events": [_msg("agent", "Goodbye.")]},
        {"events": [_msg("agent", "Have a nice day"), _msg("agent", "a"), _msg("agent", "b")]},
        {"events": [_msg("agent", "a"), _msg("agent", "b")]},
        {"events": [_msg("agent", "c")]},
        {"events": [_msg("customer", "hello")]},
    ]
    assert _figures(tmp_path, "closing", {}, records) == {
        "closed": 1,
        "closed_too_early": 1,
        "not_closed": 2,
    }


@pytest.mark.parametrize(
    ("mode", "found_in", "top"),
    [("required", 3, {"sorry": 2, "calm down": 1}), ("forbidden", 3, {"sorry": 2, "calm down": 1})],
)
def test_phrase_figures(tmp_path: Path, mode: str, found_in: int, top: dict[str, int]) -> None:
    records = [
        {"events": [_msg("agent", "Sorry!")]},
        {"events": [_msg("agent", "Please calm down, I'm sorry.")]},
        {"events": [_msg("agent", "SORRY")]},
        {"events": [_msg("agent", "Hello")]},
    ]
    params = {"phrases": ["sorry", "calm down"], "mode": mode}
    assert _figures(tmp_path, "phrase", params, records) == {
        "found_in": found_in,
        "top_phrases": top,
    }


def test_wait_time_figures_count_abandoned_contacts_beside_the_waits(tmp_path: Path) -> None:
    day = "2026-03-05T"
    records = [
        {"started_at": f"{day}10:00:00Z", "answered_at": f"{day}10:01:00Z"},
        {"started_at": f"{day}10:00:00Z", "answered_at": f"{day}10:03:00Z"},
        {"started_at": f"{day}10:00:00Z", "ended_at": f"{day}10:04:00Z"},  # abandoned 4m
        {"started_at": f"{day}10:00:00Z", "ended_at": f"{day}10:02:00Z"},  # abandoned 2m
        {"started_at": f"{day}10:00:00Z", "ended_at": f"{day}10:00:06Z"},  # short abandon
        {"started_at": f"{day}10:00:00Z"},  # still waiting: not counted
    ]
    figures = _figures(tmp_path, "wait_time", {}, records)
    assert figures == {
        "waits": 2,
        "mean_wait_seconds": 120.0,
        "median_wait_seconds": 120.0,
        "p90_wait_seconds": 168.0,
        "within_target": 1,
        "within_target_rate": 50.0,
        "target_seconds": 90.0,
        "abandoned": 2,
        "abandon_rate": 50.0,  # 2 abandoned of 4 contacts answered or abandoned
        "mean_abandon_seconds": 180.0,
        "short_abandons": 1,
    }
