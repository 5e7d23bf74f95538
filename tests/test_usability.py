"""What a first-time user meets: the Quickstart, odd inputs, mistakes in data and flags."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT, Ran, run_cli

SAMPLE = ROOT / "examples" / "interactions.jsonl"


def test_quickstart_first_command_passes_the_gate() -> None:
    ran = run_cli("evaluate", "examples/interactions.jsonl", cwd=ROOT)
    assert ran.code == 0, ran.stderr
    assert "Read 38 · scored 38 · rejected 0 · rated 38" in ran.stdout
    assert "Mean score 70.93 · grade C" in ran.stdout
    assert "Gate: PASSED" in ran.stdout


def test_the_sample_with_problems_differs_only_in_its_truncated_line() -> None:
    sample = SAMPLE.read_text("utf-8").splitlines()
    problems = EXAMPLE.read_text("utf-8").splitlines()
    assert len(sample) == len(problems) == 38
    differ = [n for n, (a, b) in enumerate(zip(sample, problems, strict=True), 1) if a != b]
    assert differ == [26]
    assert problems[25].endswith('"events": [')


def test_the_sample_with_problems_fails_the_gate(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE, "-f", "json")
    assert ran.code == 1
    conditions = {c["name"]: c["passed"] for c in ran.json()["gate"]["conditions"]}
    assert conditions == {"min_score": True, "max_rejected": False}


def test_a_byte_order_mark_on_line_one_is_skipped(cli: Callable[..., Ran], tmp_path: Path) -> None:
    log = tmp_path / "excel.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    ran = cli("evaluate", log, "-f", "json")
    assert ran.code == 0, ran.stderr
    assert ran.json()["summary"]["scored"] == 38
    assert ran.json()["interactions"][0]["id"] == "INT-0001"


def test_a_byte_order_mark_after_line_one_is_still_an_error(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    log = tmp_path / "joined.jsonl"
    log.write_bytes(lines[0] + b"\xef\xbb\xbf" + lines[1])
    ran = cli("evaluate", log, "-f", "json")
    assert [e["line"] for e in ran.json()["errors"]] == [2]


def _records(count: int) -> list[dict[str, object]]:
    return [json.loads(line) for line in SAMPLE.read_text("utf-8").splitlines()[:count]]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (
            "array.json",
            json.dumps(_records(5), indent=2),
            "a JSON array, not JSON Lines (one interaction per line); "
            "convert it with: jq -c '.[]' {log} > {stem}.jsonl",
        ),
        (
            "one-line-array.json",
            json.dumps(_records(5)),
            "a JSON array, not JSON Lines (one interaction per line); "
            "convert it with: jq -c '.[]' {log} > {stem}.jsonl",
        ),
        (
            "pretty.json",
            "\n".join(json.dumps(r, indent=2) for r in _records(3)),
            "pretty-printed JSON (a record spread over several lines), not JSON Lines "
            "(one interaction per line); convert it with: jq -c . {log} > {stem}.jsonl",
        ),
        (
            "table.csv",
            "id,channel,agent\nINT-1,chat,Ann\nINT-2,phone,Bo\n",
            "a table (CSV?) starting 'id,channel,agent', not JSON Lines; turn its rows into "
            "interaction records with: cs-score import csv {log} --mapping MAPPING.yaml "
            "(see docs/mapping.md)",
        ),
    ],
)
def test_a_file_of_the_wrong_shape_is_one_clear_error(
    cli: Callable[..., Ran], tmp_path: Path, name: str, content: str, says: str
) -> None:
    log = tmp_path / name
    log.write_text(content, encoding="utf-8")
    ran = cli("evaluate", log)
    assert (ran.code, ran.stdout) == (2, "")
    stem = str(log).rsplit(".", 1)[0]
    assert ran.stderr == "error: " + f"{log}: " + says.format(log=log, stem=stem) + "\n"


def test_a_wrong_shape_next_to_a_good_log_is_still_an_error(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    table = tmp_path / "table.csv"
    table.write_text("id,channel\nINT-1,chat\n", encoding="utf-8")
    ran = cli("evaluate", SAMPLE, table, "-f", "json")
    assert ran.code == 2
    assert ran.json()["summary"]["scored"] == 38
    assert ran.stderr.count("error: ") == 1 and f"error: {table}: a table (CSV?)" in ran.stderr


def test_no_gate_keeps_the_verdict_and_exits_0(cli: Callable[..., Ran], tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    ran = cli("evaluate", EXAMPLE, "-f", "csv", "-o", report, "--no-gate")
    assert ran.code == 0, ran.stderr
    assert "gate failed (not enforced: --no-gate)" in ran.stderr
    assert report.read_text("utf-8").startswith("id,")
    doc = cli("evaluate", EXAMPLE, "-f", "json", "--no-gate").json()
    assert doc["gate"]["passed"] is False
    assert "the gate was not enforced (--no-gate)" in doc["notes"][-1]


def test_gate_flags_override_the_rule_set(cli: Callable[..., Ran]) -> None:
    ran = cli(
        "evaluate", EXAMPLE, "-f", "json",
        "--max-rejected", "1", "--min-score", "60", "--min-pass-rate", "59",
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert ran.json()["gate"]["conditions"] == [
        {"name": "min_score", "threshold": 60.0, "value": 70.15, "passed": True},
        {"name": "min_pass_rate", "threshold": 59.0, "value": 59.46, "passed": True},
        {"name": "max_rejected", "threshold": 1, "value": 1, "passed": True},
    ]
    stricter = cli("evaluate", SAMPLE, "--min-pass-rate", "61", "-f", "json")
    assert stricter.code == 1
    assert stricter.json()["gate"]["conditions"][1] == {
        "name": "min_pass_rate", "threshold": 61.0, "value": 60.53, "passed": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("flag", "value", "fix"),
    [("--min-pass-rate", "0.7", "70"), ("--min-score", "0.85", "85")],
)
def test_a_fraction_for_a_percentage_flag_is_an_error_with_the_fix(
    cli: Callable[..., Ran], flag: str, value: str, fix: str
) -> None:
    ran = cli("evaluate", SAMPLE, flag, value)
    assert (ran.code, ran.stdout) == (2, "")
    assert ran.stderr == (
        f"error: {flag}: {value} looks like a fraction; this is a percentage (0-100): write {fix}\n"
    )


@pytest.mark.parametrize(
    ("key", "line"), [("gate:\n  min_pass_rate: 0.7", 3), ("pass_score: 0.7", 2)]
)
def test_a_fraction_for_a_percentage_in_a_rules_file_is_an_error(
    cli: Callable[..., Ran], tmp_path: Path, key: str, line: int
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"extends: default\n{key}\n", encoding="utf-8")
    ran = cli("rules", "check", rules)
    assert ran.code == 2
    assert "looks like a fraction; this is a percentage (0-100): write 70" in ran.stderr
    assert f"{rules}:{line}:" in ran.stderr
    assert ran.stderr.endswith("1 problem in the rule set\n")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ("-f", "csv", "--group-by", "agent"),
            "--group-by: the csv format has no groups (one row per interaction); "
            "groups are shown by table, json, markdown, html",
        ),
        (
            ("-f", "jsonl", "--details"),
            "--details: the jsonl format always lists every interaction; "
            "--details is for table, markdown, html",
        ),
        (
            ("-f", "junit", "--group-by", "team"),
            "--group-by: the junit format has no groups (one row per interaction); "
            "groups are shown by table, json, markdown, html",
        ),
    ],
)
def test_an_option_the_format_ignores_is_an_error(
    cli: Callable[..., Ran], options: tuple[str, ...], message: str
) -> None:
    ran = cli("evaluate", SAMPLE, *options)
    assert (ran.code, ran.stdout, ran.stderr) == (2, "", f"error: {message}\n")


ONE_MISTAKE = """\
cs_score: 1
name: Shop floor
pass_score: {pass_score}
phrases:
  thanks:
    en: [thank you, thanks]
calendars:
  shop:
    timezone: Europe/London
    hours: {{mon-fri: "09:00-17:00"}}
rules:
  - id: closing
    kind: closing
    phrases: {pack}
  - id: wait
    kind: wait_time
    target: 90s
    calendar: shop
"""


def test_rules_check_reports_one_problem_for_one_mistake(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(ONE_MISTAKE.format(pass_score=750, pack="thanks"), encoding="utf-8")
    ran = cli("rules", "check", rules)
    assert ran.code == 2
    assert ran.stderr == (
        f"error: {rules}:3:1: pass_score: Input should be less than or equal to 100 (got 750)\n"
        "1 problem in the rule set\n"
    )


def test_rules_check_still_reports_an_unknown_pack_beside_another_mistake(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(ONE_MISTAKE.format(pass_score=750, pack="thank"), encoding="utf-8")
    ran = cli("rules", "check", rules)
    assert ran.code == 2
    assert f"{rules}:14:5: rules[closing]: unknown phrase pack `thank`" in ran.stderr
    assert ran.stderr.endswith("2 problems in the rule set\n")


def _chat(number: int, **changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": f"C-{number}",
        "channel": "chat",
        "started_at": "2026-03-02T09:00:00+00:00",
        "answered_at": "2026-03-02T09:00:30+00:00",
        "events": [
            {"at": "2026-03-02T09:00:30+00:00", "from": "agent", "text": "Hello, how can I help?"}
        ],
    }
    record.update(changes)
    return record


def _mistakes(folder: Path) -> Path:
    """40 chats: every other one says `start_time`, one has an event with `form`, one says
    `Chat`, one has a time without an offset."""
    records = []
    for number in range(1, 41):
        changes: dict[str, object] = {}
        if number % 2 == 0:
            changes["start_time"] = "2026-03-02T09:00:00+00:00"
        if number == 7:
            changes["events"] = [{"at": "2026-03-02T09:00:30+00:00", "form": "agent", "text": "Hi"}]
        if number == 9:
            changes["channel"] = "Chat"
        if number == 11:
            changes["answered_at"] = "2026-03-02T09:00:30"
        records.append(json.dumps(_chat(number, **changes)))
    log = folder / "mistakes.jsonl"
    log.write_text("\n".join(records) + "\n", encoding="utf-8")
    return log


CHAT_RULES = """\
extends: default
rules:
  - {id: chat-wait, kind: wait_time, target: 30s, when: {channel: chat}}
"""


def test_data_mistakes_give_one_warning_each_with_a_count(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    log = _mistakes(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(CHAT_RULES, encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    ran = cli("evaluate", log, empty, "-r", rules, "-f", "json")
    warnings = [line for line in ran.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        "warning: unknown field 'start_time' in records, ignored (did you mean 'started_at'?) "
        f"(20 times: {log}:2, {log}:4, {log}:6, …)",
        "warning: unknown field 'form' in events, ignored (did you mean 'from'?) "
        f"(1 time: {log}:7)",
        "warning: channel 'Chat' matches the condition value 'chat' only when case is ignored; "
        f"conditions compare exactly, so it does not hold (1 time: {log}:9)",
        "warning: timestamps without a UTC offset, read in the rule set's time zone (UTC); add "
        f"the offset (+01:00, Z) or set `timezone` in the rules (1 time: {log}:11)",
        f"warning: empty input: no interaction records (1 time: {empty})",
    ]
    document = ran.json()["warnings"]
    assert [(w["count"], len(w["first"])) for w in document] == [
        (20, 3),
        (1, 1),
        (1, 1),
        (1, 1),
        (1, 1),
    ]
    assert document[0]["first"][0] == {"file": str(log), "line": 2}
    assert document[-1]["first"] == [{"file": str(empty)}]


def test_warnings_merge_across_jobs_like_the_rest_of_the_report(tmp_path: Path) -> None:
    from cs_score.pipeline import RunOptions, evaluate
    from cs_score.ruleset import load_ruleset

    rules = tmp_path / "rules.yaml"
    rules.write_text(CHAT_RULES, encoding="utf-8")
    ruleset = load_ruleset(str(rules))
    log = _mistakes(tmp_path)
    reports = [
        evaluate([str(log)], ruleset, RunOptions(jobs=jobs, batch_lines=batch)).report().warnings
        for jobs, batch in ((1, 2000), (2, 3), (2, 7))
    ]
    assert reports[0] == reports[1] == reports[2]
    assert [w["count"] for w in reports[0]] == [20, 1, 1, 1]


def test_a_clean_log_has_no_warnings(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", SAMPLE, "-f", "json")
    assert ran.json()["warnings"] == []
    assert "warning" not in ran.stderr


def _run_at(width: int, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": str(width)}
    return subprocess.run(
        [sys.executable, "-P", "-m", "cs_score", "evaluate", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize("width", [60, 80, 100])
def test_tables_fit_the_width_with_every_id_and_score_whole(width: int) -> None:
    ran = _run_at(width, "examples/interactions.jsonl", "--details", "--group-by", "agent")
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert not [line for line in lines if line.endswith(" ")]
    results = json.loads(_run_at(width, "examples/interactions.jsonl", "-f", "json").stdout)
    details = ran.stdout[ran.stdout.index("\nInteractions\n") :]
    for result in results["interactions"]:
        assert re.search(
            rf"\b{result['id']}\s+{result['score']:.2f}\s+{result['grade']}\b", details
        )
    groups = ran.stdout[ran.stdout.index("\nBy agent\n") : ran.stdout.index("\nLowest scores")]
    for row in _grouped("agent")["agent"]:
        assert f"{row['mean_score']:.2f}" in groups
    # nothing a rule set or a log holds is cut with an ellipsis (the quotes in reasons are
    # shortened by the scorer itself, and end with "…”")
    assert all(line.endswith("…”") or "…" not in line for line in lines)


def _grouped(spec: str) -> dict[str, list[dict[str, object]]]:
    ran = _run_at(100, "examples/interactions.jsonl", "-f", "json", "--group-by", spec)
    groups: dict[str, list[dict[str, object]]] = json.loads(ran.stdout)["groups"]
    return groups


def test_ten_rules_with_long_ids_fit_a_pipe(tmp_path: Path) -> None:
    names = [f"long-rule-name-number-{n}" for n in range(10)]
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "cs_score: 1\nrules:\n"
        + "".join(f"  - {{id: {name}, kind: greeting}}\n" for name in names),
        encoding="utf-8",
    )
    log = tmp_path / "log.jsonl"
    log.write_text(
        "\n".join(json.dumps(_chat(n, id=f"LONG-INTERACTION-{n:04d}")) for n in range(1, 13))
        + "\n",
        encoding="utf-8",
    )
    ran = _run_at(100, log, "-r", rules, "--details", "--group-by", "channel")
    lines = ran.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    for n in range(1, 13):
        assert re.search(rf"LONG-INTERACTION-{n:04d}\s+100\.00\s+A\b", ran.stdout)
    assert "…" not in ran.stdout


def test_explain_output_has_no_trailing_spaces(cli: Callable[..., Ran]) -> None:
    ran = cli("explain", SAMPLE, "--id", "INT-0012")
    assert ran.code == 0
    assert [line for line in ran.stdout.splitlines() if line.endswith(" ")] == []


HELP_SCREENS = [
    (),
    ("evaluate",),
    ("explain",),
    ("import",),
    ("rules",),
    ("rules", "check"),
    ("rules", "schema"),
    ("test",),
    ("init",),
]


@pytest.mark.parametrize("command", HELP_SCREENS, ids=lambda c: " ".join(c) or "cs-score")
def test_help_is_h_everywhere_and_shows_no_type_names(command: tuple[str, ...]) -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    short = subprocess.run(
        [sys.executable, "-P", "-m", "cs_score", *command, "-h"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    long = subprocess.run(
        [sys.executable, "-P", "-m", "cs_score", *command, "--help"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert short.returncode == 0, short.stderr
    assert short.stdout == long.stdout
    options = short.stdout[short.stdout.find("Options:") :]
    for noise in ("<bool>", "<str>", "<path>", "<int", "<float", "(default)]", "[bold"):
        assert noise not in options, noise
    assert "[bold" not in short.stdout
    assert max(len(line) for line in short.stdout.splitlines()) <= 80


def test_help_examples_are_not_broken_across_lines() -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "60"}
    ran = subprocess.run(
        [sys.executable, "-P", "-m", "cs_score", "evaluate", "-h"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert "    cs-score evaluate samples/*.jsonl -r rules.yaml --min-score 85\n" in ran.stdout
    assert "List every interaction (table and markdown formats)." in " ".join(ran.stdout.split())
