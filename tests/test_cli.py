"""The command line end to end, through its entry point: exit codes, streams and documents."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

from conftest import COMPILED, EXAMPLE, Ran, chat

import cs_score

SPEC_TOP_KEYS = {
    "schema_version",
    "tool",
    "rules",
    "inputs",
    "summary",
    "rules_summary",
    "groups",
    "interactions",
    "errors",
    "gate",
}
SPEC_SUMMARY_KEYS = {
    "read",
    "scored",
    "rejected",
    "rated",
    "mean_score",
    "grade",
    "passed",
    "pass_rate",
    "grade_counts",
}
RESULT_KEYS = {"id", "source", "score", "grade", "passed", "critical_failure", "rules"}
RULE_RESULT_KEYS = {"kind", "status", "credit", "weight", "reason", "evidence"}


SIMPLE_RULES = """\
cs_score: 1
name: Chat basics
rules:
  - {id: wait, kind: wait_time, target: 60s}
  - {id: greeting, kind: greeting}
  - {id: conduct, kind: conduct}
"""


def test_example_table_report(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE)
    assert ran.code == 1
    assert "Read 38 · scored 37 · rejected 1 · rated 37" in ran.stdout
    assert "Mean score 70.15 · grade C" in ran.stdout
    assert "Gate: FAILED" in ran.stdout
    assert "✘ max_rejected: 1 (needs ≤ 0)" in ran.stdout
    assert "wait-time: mean" in ran.stdout and "within target" in ran.stdout
    assert "promises: made 12 · kept 5 · broken 5 (3 notified) · pending 2" in ran.stdout
    assert "with-problems.jsonl:26: not valid JSON" in ran.stderr


def test_example_json_document(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE, "--format", "json")
    assert ran.code == 1
    doc = ran.json()
    assert set(doc) >= SPEC_TOP_KEYS
    assert set(doc["summary"]) >= SPEC_SUMMARY_KEYS
    summary = doc["summary"]
    assert (summary["read"], summary["scored"], summary["rejected"]) == (38, 37, 1)
    assert summary["mean_score"] == 70.15
    assert summary["grade"] == "C"
    assert sum(summary["grade_counts"].values()) == summary["rated"] == 37
    assert doc["errors"] == [
        {"file": str(EXAMPLE), "line": 26, "reason": "not valid JSON (Input data was truncated)"}
    ]
    assert doc["gate"]["passed"] is False
    assert {c["name"]: c["passed"] for c in doc["gate"]["conditions"]} == {
        "min_score": True,
        "max_rejected": False,
    }
    assert len(doc["interactions"]) == 37
    assert [i["id"] for i in doc["interactions"]][:3] == ["INT-0001", "INT-0002", "INT-0003"]
    for interaction in doc["interactions"]:
        assert set(interaction) >= RESULT_KEYS
        assert set(interaction["source"]) == {"file", "line"}
        for rule in interaction["rules"].values():
            assert set(rule) == RULE_RESULT_KEYS


def test_example_insult_scores_zero_with_quote(cli: Callable[..., Ran]) -> None:
    doc = cli("evaluate", EXAMPLE, "--format", "json").json()
    by_id = {i["id"]: i for i in doc["interactions"]}
    insult = by_id["INT-0012"]
    assert insult["score"] == 0.0
    assert insult["grade"] == "F"
    assert insult["passed"] is False
    assert insult["critical_failure"] == "conduct"
    conduct = insult["rules"]["conduct"]
    assert conduct["status"] == "fail"
    match = conduct["evidence"]["matches"][0]
    assert match["pack"] == "insult"
    assert "that's a stupid question" in match["text"]


def test_example_promise_kept_by_later_interaction(cli: Callable[..., Ran]) -> None:
    doc = cli("evaluate", EXAMPLE, "--format", "json").json()
    by_id = {i["id"]: i for i in doc["interactions"]}
    promises = by_id["INT-0003"]["rules"]["promises"]
    assert (promises["status"], promises["credit"]) == ("pass", 1.0)
    verdicts = {p["id"]: p["verdict"] for p in promises["evidence"]["promises"]}
    assert verdicts == {"P-0003-1": "kept"}
    late = by_id["INT-0018"]["rules"]["promises"]
    assert (late["status"], late["credit"]) == ("partial", 0.5)
    assert doc["summary"]["as_of"] == "2026-03-31T16:04:00+01:00"


def test_exit_0_when_gate_passes(cli: Callable[..., Ran], write_log, write_rules) -> None:
    log = write_log([chat("a", "Hello! It ships today."), chat("b", "Hi, let me look.")])
    ran = cli("evaluate", log, "-r", write_rules(SIMPLE_RULES), "--min-score", "90")
    assert ran.code == 0, ran.stdout + ran.stderr
    assert "Gate: PASSED" in ran.stdout
    assert "Mean score 100.00 · grade A" in ran.stdout


def test_exit_1_when_min_score_missed(cli: Callable[..., Ran], write_log, write_rules) -> None:
    log = write_log([chat("a", "Hello! It ships today."), chat("b", "It ships today.")])
    ran = cli("evaluate", log, "-r", write_rules(SIMPLE_RULES), "--min-score", "90", "-f", "json")
    assert ran.code == 1
    gate = ran.json()["gate"]
    assert gate["conditions"][0] == {
        "name": "min_score",
        "threshold": 90.0,
        "value": 83.33,
        "passed": False,
    }


def test_min_grade_flag(cli: Callable[..., Ran], write_log, write_rules) -> None:
    log = write_log([chat("a", "Hello! It ships today."), chat("b", "It ships today.")])
    rules = write_rules(SIMPLE_RULES)
    assert cli("evaluate", log, "-r", rules, "--min-grade", "B").code == 0
    assert cli("evaluate", log, "-r", rules, "--min-grade", "A").code == 1
    bad = cli("evaluate", log, "-r", rules, "--min-grade", "Z")
    assert bad.code == 2
    assert "unknown grade 'Z' (grades: A, B, C, D, F)" in bad.stderr


def test_typo_in_rules_exits_2_with_position(
    cli: Callable[..., Ran], write_log, write_rules
) -> None:
    rules = write_rules("cs_score: 1\nextends: default\nrules:\n  - id: greeting\n    weigth: 3\n")
    ran = cli("evaluate", write_log([chat("a", "Hello")]), "-r", rules)
    assert ran.code == 2
    assert (
        f"{rules}:5:5: rules[greeting].weigth: unknown key `weigth`; did you mean `weight`?"
        in ran.stderr
    )
    assert "Traceback" not in ran.stderr
    assert ran.stdout == ""


def test_all_rule_set_errors_at_once(cli: Callable[..., Ran], write_log, write_rules) -> None:
    rules = write_rules(
        "cs_score: 1\n"
        "rules:\n"
        "  - {id: a, kind: wait_tme}\n"
        "  - {id: b, kind: greeting, late_credit: lots}\n"
        "  - {id: c, kind: conduct, phrases: [insults]}\n"
        "gate: {min_scor: 3}\n"
    )
    ran = cli("evaluate", write_log([chat("a", "Hello")]), "-r", rules)
    assert ran.code == 2
    assert (
        f"{rules}:6:8: gate.min_scor: unknown key `min_scor`; did you mean `min_score`?"
        in ran.stderr
    )
    assert f"{rules}:3:13: rules[a].kind: unknown rule kind 'wait_tme'" in ran.stderr
    assert "did you mean `wait_time`?" in ran.stderr
    assert f"{rules}:4:29: rules[b].late_credit: Input should be a valid number" in ran.stderr
    assert "unknown phrase pack `insults`; did you mean `insult`?" in ran.stderr
    assert "4 problems in the rule set; nothing was scored" in ran.stderr


def test_missing_log_exits_2(cli: Callable[..., Ran], tmp_path: Path) -> None:
    ran = cli("evaluate", tmp_path / "nope.jsonl")
    assert ran.code == 2
    assert ran.stderr.strip() == f"error: {tmp_path / 'nope.jsonl'}: no such file"


def test_unknown_preset_exits_2(cli: Callable[..., Ran], write_log) -> None:
    ran = cli("evaluate", write_log([chat("a", "Hello")]), "-r", "defualt")
    assert ran.code == 2
    assert "no bundled rule set named 'defualt'" in ran.stderr
    assert "did you mean `default`?" in ran.stderr


def test_stdin_gzip_and_several_files(cli: Callable[..., Ran], write_log, tmp_path: Path) -> None:
    first = write_log([chat("a", "Hello")], "first.jsonl")
    second = tmp_path / "second.jsonl.gz"
    second.write_bytes(gzip.compress((json.dumps(chat("b", "Hello")) + "\n").encode()))
    piped = json.dumps(chat("c", "Hello")).encode() + b"\n"
    ran = cli("evaluate", first, second, "-", "-f", "json", stdin=piped)
    doc = ran.json()
    assert doc["summary"]["scored"] == 3
    assert [(i["id"], i["source"]["file"]) for i in doc["interactions"]] == [
        ("a", str(first)),
        ("b", str(second)),
        ("c", "<stdin>"),
    ]


def test_rejected_lines_named_and_counted(cli: Callable[..., Ran], write_log) -> None:
    log = write_log(
        [
            chat("a", "Hello"),
            "[1, 2]",
            {"channel": "chat"},
            chat("a", "Hello again"),
            chat("d", "Hello", started_at="2026-02-30T10:00:00Z"),
            "not json",
            chat("f", "Hello"),
        ]
    )
    ran = cli("evaluate", log, "-f", "json")
    assert ran.code == 1
    doc = ran.json()
    assert [(e["line"], e["reason"]) for e in doc["errors"]] == [
        (2, "not a JSON object"),
        (3, "missing required field 'id'"),
        (4, "duplicate id 'a'"),
        (5, "bad timestamp in started_at"),
        (6, "not valid JSON (invalid character (byte 4))"),
    ]
    assert (doc["summary"]["read"], doc["summary"]["scored"]) == (7, 2)
    assert f"rejected: {log}:4: duplicate id 'a'" in ran.stderr


def test_output_file_written_atomically(
    cli: Callable[..., Ran], write_log, write_rules, tmp_path: Path
) -> None:
    log = write_log([chat("a", "Hello")])
    target = tmp_path / "report.json"
    ran = cli("evaluate", log, "-f", "json", "-o", target)
    assert ran.stdout == ""
    assert json.loads(target.read_text())["summary"]["scored"] == 1
    bad = write_rules("cs_score: 1\nrules: [{id: x, kind: nope}]\n", "bad.yaml")
    second = tmp_path / "second.json"
    assert cli("evaluate", log, "-r", bad, "-o", second).code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "log.jsonl", "report.json"]


def test_extends_and_override_switch_rule_off(
    cli: Callable[..., Ran], write_log, write_rules
) -> None:
    write_rules(SIMPLE_RULES, "base.yaml")
    rules = write_rules(
        "cs_score: 1\n"
        "extends: base.yaml\n"
        "overrides:\n"
        "  - when: {attributes: {venue: insult-diner}}\n"
        "    rules: {conduct: {enabled: false}}\n"
    )
    rude = "Hello, you idiot."
    log = write_log(
        [
            chat("diner", rude, attributes={"venue": "insult-diner"}),
            chat("shop", rude, attributes={"venue": "shop"}),
        ]
    )
    doc = cli("evaluate", log, "-r", rules, "-f", "json").json()
    by_id = {i["id"]: i for i in doc["interactions"]}
    assert by_id["diner"]["score"] == 100.0
    assert by_id["diner"]["rules"]["conduct"]["status"] == "na"
    assert by_id["diner"]["rules"]["conduct"]["reason"] == "disabled by override 1"
    assert by_id["shop"]["score"] == 0.0
    assert by_id["shop"]["critical_failure"] == "conduct"
    assert doc["rules"]["name"] == "Chat basics"


def test_help_and_version(cli: Callable[..., Ran]) -> None:
    assert "evaluate" in cli("--help").stdout
    build = "compiled" if COMPILED else "plain Python"
    assert cli("--version").stdout == f"cs-score {cs_score.__version__} ({build})\n"
