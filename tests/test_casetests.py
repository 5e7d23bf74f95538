"""`cs-score test`: rule-set regression cases with `expect` blocks, scored like `evaluate`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from conftest import Ran

RULES = """\
cs_score: 1
name: Chat basics
rules:
  - {id: wait, kind: wait_time, target: 60s}
  - {id: greeting, kind: greeting}
  - {id: promises, kind: promises}
  - {id: conduct, kind: conduct}
"""

CASES = """\
cases:
  - id: polite
    channel: chat
    started_at: 2026-03-02T10:00:00Z
    events:
      - {at: 2026-03-02T10:00:30Z, from: agent, text: "Hello! It ships today."}
    expect:
      score: 100
      grade: A
      passed: true
      critical_failure: null
      rules:
        wait: {status: pass, credit: 1}
        greeting: pass
        promises: {status: na, credit: null}
  - id: slow
    channel: chat
    started_at: 2026-03-02T11:00:00Z
    events:
      - {at: 2026-03-02T11:02:00Z, from: agent, text: "Hello, sorry for the wait."}
    expect:
      score: 83.33
      rules:
        wait: {status: partial, credit: 0.5}
  - id: rude
    channel: chat
    events:
      - {at: 2026-03-02T12:00:00Z, from: agent, text: "Hello. Don't be stupid."}
    expect:
      score: 0
      passed: false
      critical_failure: conduct
"""


def _files(tmp_path: Path, cases: str = CASES, name: str = "cases.yaml") -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / name).write_text(cases, encoding="utf-8")


def test_all_cases_pass(cli: Callable[..., Ran], tmp_path: Path) -> None:
    _files(tmp_path)
    ran = cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert ran.stdout == (
        "cases.yaml: 3 cases\n"
        "  passed  polite\n"
        "  passed  slow\n"
        "  passed  rude\n"
        "3 passed, 0 failed\n"
    )
    assert ran.stderr == ""


def test_failures_show_expected_and_actual(cli: Callable[..., Ran], tmp_path: Path) -> None:
    cases = (
        CASES.replace("score: 83.33", "score: 90")
        .replace("credit: 0.5}", "credit: 0.6}")
        .replace("critical_failure: conduct", "critical_failure: null")
    )
    _files(tmp_path, cases)
    ran = cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path)
    assert ran.code == 1
    assert ran.stdout == (
        "cases.yaml: 3 cases\n"
        "  passed  polite\n"
        "  FAILED  slow  cases.yaml:16  (- expected, + actual)\n"
        "      - score: 90\n"
        "      + score: 83.33\n"
        "      - rules.wait.credit: 0.6\n"
        "      + rules.wait.credit: 0.5  # waited 2m, over the 1m target\n"
        "  FAILED  rude  cases.yaml:25  (- expected, + actual)\n"
        "      - critical_failure: null\n"
        "      + critical_failure: conduct  # insult “stupid”: “Hello. Don't be stupid.”\n"
        "1 passed, 2 failed\n"
    )


def test_scores_and_credits_match_within_half_a_hundredth(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    _files(tmp_path, CASES.replace("score: 83.33", "score: 83.335").replace("0.5}", "0.504}"))
    assert cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path).code == 0
    _files(tmp_path, CASES.replace("score: 83.33", "score: 83.34"))
    assert cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path).code == 1
    _files(tmp_path, CASES.replace("0.5}", "0.506}"))
    assert cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path).code == 1


def test_jsonl_cases_and_a_promise_kept_by_a_later_case(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    made = {
        "id": "made",
        "events": [{"at": "2026-03-02T10:00:00Z", "from": "agent", "text": "Hello, I'll call."}],
        "promises": [
            {"id": "P1", "made_at": "2026-03-02T10:00:00Z", "due": "2026-03-03T10:00:00Z"}
        ],
        "expect": {"rules": {"promises": {"status": "pass", "credit": 1}}},
    }
    kept = {
        "id": "kept",
        "events": [
            {
                "at": "2026-03-03T09:00:00Z",
                "from": "agent",
                "text": "Hi, as promised.",
                "fulfills": "P1",
            }
        ],
        "expect": {"passed": True, "rules": {"promises": "na"}},
    }
    lines = "\n".join(json.dumps(record) for record in (made, kept)) + "\n"
    _files(tmp_path, lines, "cases.jsonl")
    ran = cli("test", "rules.yaml", "cases.jsonl", cwd=tmp_path)
    assert ran.code == 0, ran.stdout + ran.stderr
    assert ran.stdout.endswith("2 passed, 0 failed\n")
    # Each file is its own run: alone, the promise is still pending when its file ends.
    _files(tmp_path, json.dumps(made) + "\n", "made.jsonl")
    (tmp_path / "kept.jsonl").write_text(json.dumps(kept) + "\n")
    ran = cli("test", "rules.yaml", "made.jsonl", "kept.jsonl", cwd=tmp_path)
    assert ran.code == 1
    assert "      + rules.promises.status: na  # all promises pending" in ran.stdout
    assert ran.stdout.endswith("1 passed, 1 failed\n")


def test_as_of_in_the_cases_file(cli: Callable[..., Ran], tmp_path: Path) -> None:
    cases = """\
as_of: 2026-03-02T12:00:00Z
cases:
  - id: made
    events: [{at: 2026-03-02T10:00:00Z, from: agent, text: "Hello, I'll call."}]
    promises: [{id: P1, made_at: 2026-03-02T10:00:00Z, due: 2026-03-03T10:00:00Z}]
    expect: {rules: {promises: {status: na}}}
"""
    _files(tmp_path, cases)
    ran = cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path)
    assert ran.code == 0, ran.stdout


def test_a_plain_list_of_cases(cli: Callable[..., Ran], tmp_path: Path) -> None:
    cases = "- id: one\n  events: [{from: agent, text: Hello}]\n  expect: {score: 100}\n"
    _files(tmp_path, cases)
    ran = cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path)
    assert ran.code == 0
    assert ran.stdout == "cases.yaml: 1 case\n  passed  one\n1 passed, 0 failed\n"


def test_mistakes_in_cases_exit_2_with_positions(cli: Callable[..., Ran], tmp_path: Path) -> None:
    cases = """\
cases:
  - channel: chat
    expect: {score: 100}
  - id: no-expect
    channel: chat
  - id: typos
    expect:
      scroe: 100
      grade: E
      rules:
        greting: pass
        wait: {status: passed, credits: 1}
        conduct: {credit: 2}
  - id: typos
    expect: {passed: yes please}
"""
    _files(tmp_path, cases)
    (tmp_path / "broken.jsonl").write_text('{"id": "x", "expect": {}}\nnot json\n{"expect": {}}\n')
    ran = cli("test", "rules.yaml", "cases.yaml", "broken.jsonl", "missing.yaml", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        "error: cases.yaml:2:5: cases[0]: missing `id`: every case needs one",
        "error: cases.yaml:4:5: cases[no-expect]: missing `expect`: say what the rule set must "
        "make of it",
        "error: cases.yaml:8:7: cases[typos].expect.scroe: unknown key `scroe`; "
        "did you mean `score`?",
        "error: cases.yaml:9:7: cases[typos].expect.grade: unknown grade 'E' "
        "(grades: A, B, C, D, F)",
        "error: cases.yaml:11:9: cases[typos].expect.rules.greting: no rule with id `greting` in "
        "the rule set; did you mean `greeting`?",
        "error: cases.yaml:12:16: cases[typos].expect.rules.wait.status: unknown status 'passed'; "
        "did you mean `pass`?",
        "error: cases.yaml:12:32: cases[typos].expect.rules.wait.credits: unknown key `credits`; "
        "did you mean `credit`?",
        "error: cases.yaml:13:19: cases[typos].expect.rules.conduct.credit: expected a credit "
        "0-1, got 2",
        "error: cases.yaml:15:14: cases[typos].expect.passed: expected true, false or null, "
        "got 'yes please'",
        "error: broken.jsonl:2: not valid JSON (Expecting value at column 1)",
        "error: broken.jsonl:3: cases[2]: missing `id`: every case needs one",
        "error: missing.yaml: no such file",
        "12 problems in the cases",
    ]


def test_repeated_id_and_unscorable_record(cli: Callable[..., Ran], tmp_path: Path) -> None:
    cases = """\
- {id: a, expect: {}}
- {id: a, expect: {}}
"""
    _files(tmp_path, cases)
    ran = cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stderr.splitlines() == [
        "error: cases.yaml:2: cases[a].id: id `a` is used twice in this file (first at line 1)",
        "1 problem in the cases",
    ]
    _files(tmp_path, "- {id: a, started_at: yesterday, expect: {}}\n")
    ran = cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stderr.splitlines() == [
        "error: cases.yaml:1: the record cannot be scored: bad timestamp in started_at",
        "1 problem in the cases",
    ]


def test_invalid_rule_set_exit_2(cli: Callable[..., Ran], tmp_path: Path) -> None:
    _files(tmp_path)
    (tmp_path / "rules.yaml").write_text("cs_score: 1\nrules: [{id: w, kind: wait_tim}]\n")
    ran = cli("test", "rules.yaml", "cases.yaml", cwd=tmp_path)
    assert ran.code == 2
    assert ran.stderr.splitlines()[-1] == "1 problem in the rule set"
    assert ran.stderr.startswith("error: rules.yaml:2:17: rules[w].kind: unknown rule kind")


def test_junit_for_ci(cli: Callable[..., Ran], tmp_path: Path) -> None:
    _files(tmp_path, CASES.replace("score: 83.33", "score: 90"))
    ran = cli(
        "test", "rules.yaml", "cases.yaml", "--format", "junit", "-o", "report.xml", cwd=tmp_path
    )
    assert ran.code == 1
    assert ran.stdout == ""
    assert ran.stderr == "2 passed, 1 failed\n"
    root = ElementTree.parse(tmp_path / "report.xml").getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("3", "1")
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "cases.yaml"
    cases = suite.findall("testcase")
    assert [(c.get("name"), c.get("line")) for c in cases] == [
        ("polite", "2"),
        ("slow", "16"),
        ("rude", "25"),
    ]
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "1 expectation not met: score"
    assert failure.text == "- score: 90\n+ score: 83.33"
    assert cases[0].find("failure") is None
