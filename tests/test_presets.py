"""The bundled rule sets and the copies in `rules/`: they load and score the sample log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, ROOT, Ran

from cs_score.pipeline import RunOptions, evaluate
from cs_score.report import GateSettings, Report, build_report
from cs_score.ruleset import load_ruleset, preset_names

RULES = ROOT / "rules"
PRESETS = ["chat-bot", "contact-centre", "default", "retail-store", "social-care"]


def _report(reference: str) -> Report:
    ruleset = load_ruleset(reference)
    run = evaluate([str(EXAMPLE)], ruleset, RunOptions())
    return build_report(run.part, GateSettings.resolve(ruleset), [], run.as_of)


def _rules(report: Report) -> dict[str, tuple[Any, ...]]:
    """Per rule: applicable, passed, partial, failed, n/a, mean credit."""
    return {
        r["id"]: (
            r["applicable"],
            r["passed"],
            r["partial"],
            r["failed"],
            r["na"],
            r["mean_credit"],
        )
        for r in report.rules_summary
    }


def _gate(report: Report) -> list[tuple[str, Any, bool]]:
    return [(c["name"], c["value"], c["passed"]) for c in report.gate["conditions"]]


def test_the_bundled_presets() -> None:
    assert preset_names() == PRESETS


def test_every_rules_file_is_a_copy_of_a_preset_or_extends_one() -> None:
    files = sorted(path.name for path in RULES.glob("*.yaml"))
    assert files == sorted([*(f"{name}.yaml" for name in PRESETS), "diner.yaml"])


@pytest.mark.parametrize("name", PRESETS)
def test_rules_copies_match_their_preset(name: str) -> None:
    """rules/NAME.yaml says, with comments, exactly what the bundled preset says."""
    copy, preset = load_ruleset(str(RULES / f"{name}.yaml")), load_ruleset(name)
    assert copy.model.model_dump() == preset.model.model_dump()
    assert copy.calendars == preset.calendars


def test_default_scores_the_sample_log() -> None:
    report = _report("default")
    summary = report.summary
    assert (summary["rated"], summary["mean_score"], summary["grade"]) == (37, 70.15, "C")
    assert (summary["passed"], summary["pass_rate"], summary["critical_failures"]) == (22, 59.46, 3)
    assert summary["grade_counts"] == {"A": 11, "B": 5, "C": 6, "D": 7, "F": 8}
    assert _rules(report) == {
        "wait-time": (35, 22, 10, 3, 2, 0.7762),
        "greeting": (36, 31, 2, 3, 1, 0.8889),
        "product-quality": (14, 2, 11, 1, 23, 0.5357),
        "resolution": (23, 3, 19, 1, 14, 0.4601),
        "promises": (9, 4, 4, 1, 28, 0.6667),
        "conduct": (35, 32, 0, 3, 2, 0.9143),
    }
    assert _gate(report) == [("min_score", 70.15, True), ("max_rejected", 1, False)]


def test_retail_store_scores_the_sample_log() -> None:
    report = _report("retail-store")
    summary = report.summary
    assert (summary["rated"], summary["mean_score"], summary["grade"]) == (37, 72.6, "C")
    assert (summary["passed"], summary["pass_rate"], summary["critical_failures"]) == (25, 67.57, 3)
    assert summary["grade_counts"] == {"A": 14, "B": 6, "C": 5, "D": 2, "F": 10}
    assert _rules(report) == {
        "wait-time": (16, 9, 4, 3, 21, 0.7009),  # store and phone only
        "greeting": (36, 31, 2, 3, 1, 0.8889),
        "product-quality": (14, 2, 11, 1, 23, 0.5357),
        "resolution": (23, 5, 16, 2, 14, 0.5489),
        "promises": (9, 4, 4, 1, 28, 0.6667),
        "closing": (35, 26, 0, 9, 2, 0.7429),
        "conduct": (35, 32, 0, 3, 2, 0.9143),
    }
    # The mean wait of store visits and calls is 2m17s: over 90 s, so the gate fails on it.
    assert _gate(report) == [
        ("min_score", 72.6, True),
        ("max_rejected", 1, False),
        ("wait-time.gate_mean", 137.188, False),
    ]


def test_contact_centre_scores_the_sample_log() -> None:
    report = _report("contact-centre")
    summary = report.summary
    assert (summary["rated"], summary["mean_score"], summary["grade"], summary["passed"]) == (
        37,
        74.48,
        "C",
        26,
    )
    assert _rules(report) == {
        "wait-time": (23, 10, 9, 4, 14, 0.7435),
        "first-reply": (8, 6, 2, 0, 29, 0.9271),
        "response-time": (11, 8, 3, 0, 26, 0.8788),
        "greeting": (36, 31, 2, 3, 1, 0.8889),
        "resolution": (23, 3, 19, 1, 14, 0.4601),
        "promises": (9, 4, 4, 1, 28, 0.6667),
        # INT-0003's customer called again 1d20h later (INT-0009), INT-0007's 4d17h later
        # (INT-0014); nine windows are still open at the as-of time, 2026-03-31.
        "repeat-contact": (28, 26, 0, 2, 9, 0.9286),
        "escalation": (4, 3, 0, 1, 33, 0.75),
        "closing": (35, 26, 0, 9, 2, 0.7429),
        "conduct": (35, 32, 0, 3, 2, 0.9143),
    }
    escalation = report.rules_summary[7]["metrics"]
    assert escalation == {
        "requests": 4,
        "granted": 3,
        "refused": 1,
        "granted_rate": 75.0,
        "granted_by": {"status": 2, "action": 1},
        "unrequested": 0,
    }


def test_chat_bot_scores_the_sample_log() -> None:
    report = _report("chat-bot")
    summary = report.summary
    assert (summary["rated"], summary["mean_score"], summary["grade"], summary["passed"]) == (
        35,
        65.93,
        "D",
        20,
    )
    assert _rules(report) == {
        "response-time": (35, 10, 13, 12, 2, 0.4905),
        "bot-disclosure": (2, 1, 0, 1, 35, 0.5),
        "handover": (5, 4, 0, 1, 32, 0.8),
        "closing": (35, 26, 0, 9, 2, 0.7429),
        "conduct": (35, 32, 0, 3, 2, 0.9143),
    }
    # INT-0002: "Human please" to the bot, then a person took over.
    assert report.rules_summary[2]["metrics"]["granted_by"] == {
        "status": 2,
        "action": 1,
        "agent_joined": 1,
    }


def test_social_care_scores_the_sample_log() -> None:
    summary = _report("social-care").summary
    assert (summary["rated"], summary["mean_score"], summary["grade"], summary["passed"]) == (
        36,
        80.32,
        "B",
        31,
    )


def test_diner_scores_the_sample_log() -> None:
    report = _report(str(RULES / "diner.yaml"))
    summary = report.summary
    assert (summary["rated"], summary["mean_score"], summary["grade"], summary["passed"]) == (
        37,
        71.99,
        "C",
        25,
    )
    assert _rules(report)["dessert"] == (4, 0, 0, 4, 33, 0.0)
    assert report.rules["timezone"] == "Europe/London"


def _diner_visit(venue: str) -> dict[str, Any]:
    return {
        "id": f"visit-{venue}",
        "channel": "store",
        "attributes": {"venue": venue},
        "started_at": "2026-03-06T19:00:00Z",
        "answered_at": "2026-03-06T19:01:00Z",
        "greeted": True,
        "events": [
            {"at": "2026-03-06T19:01:00Z", "from": "agent", "text": "Sit down, you idiot."},
            {"at": "2026-03-06T19:20:00Z", "from": "agent", "text": "Dessert? Thanks for coming."},
        ],
    }


def test_the_insult_diner_switches_conduct_off(
    cli: Callable[..., Ran], write_log: Callable[..., Path]
) -> None:
    log = write_log([_diner_visit("insult-diner"), _diner_visit("high-street")])
    ran = cli("evaluate", log, "-r", RULES / "diner.yaml", "--format", "json")
    assert ran.code == 1, ran.stderr
    by_id = {item["id"]: item for item in ran.json()["interactions"]}
    show, street = by_id["visit-insult-diner"], by_id["visit-high-street"]
    assert show["rules"]["conduct"]["status"] == "na"
    assert show["rules"]["conduct"]["reason"] == "disabled by override 1"
    assert (show["score"], show["critical_failure"]) == (100.0, None)
    assert street["rules"]["conduct"]["status"] == "fail"
    assert (street["score"], street["critical_failure"]) == (0.0, "conduct")


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_runs_from_the_command_line(cli: Callable[..., Ran], name: str) -> None:
    ran = cli("evaluate", EXAMPLE, "-r", name, "--format", "json")
    assert ran.code == 1  # the sample log has one truncated line, and no gate allows it
    document = json.loads(ran.stdout)
    assert document["summary"]["scored"] == 37
    assert document["rules"]["sources"] == [f"<preset {name}>"]
