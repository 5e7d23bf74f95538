"""Rule-set regression tests: `cs-score test RULES.yaml CASES...`.

A cases file holds interaction records, each with an `id` and an `expect` block saying what
the rule set must make of it. YAML (a list of records, or a mapping with `cases:`, an optional
`as_of:` and a `description:`) or JSON Lines (one record a line, `.jsonl`):

    cases:
      - id: rude-agent
        channel: chat
        events:
          - {at: 2026-03-02T10:00:20Z, from: agent, text: "That's company policy."}
        expect:
          score: 0                      # 0-100; null for an unrated interaction
          grade: F
          passed: false
          critical_failure: conduct     # a rule id, or null
          rules:
            conduct: {status: fail, credit: 0}
            greeting: fail              # shorthand for {status: fail}

Every key of `expect` is optional: give only what the case is about. `status` is `pass`,
`partial`, `fail` or `na`. Scores and credits match when they differ by at most 0.005.

Each file is one run, scored exactly as `cs-score evaluate` scores a log: a promise kept by a
later case in the same file counts, and "now" is the latest timestamp in the file unless the
file gives `as_of`.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from rich.text import Text

from cs_score.errors import InputError, Location, Problem, RuleSetError, UserError
from cs_score.pipeline import Collector, RunOptions, score_batch
from cs_score.records import MAX_LINE_BYTES, RawLine, read_lines
from cs_score.ruleset import RuleSet
from cs_score.textfile import UnreadableFile, read_text
from cs_score.yamlsource import LocDict, LocList, load_yaml

TOLERANCE = 0.005
"""Largest difference between an expected and an actual score or credit that still matches."""

EXPECT_KEYS = ("score", "grade", "passed", "critical_failure", "rules")
RULE_EXPECT_KEYS = ("status", "credit")
STATUSES = ("pass", "partial", "fail", "na")
FILE_KEYS = ("cases", "as_of", "description")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz")
MAX_CASES_FILE_BYTES = 64 << 20
"""The largest YAML cases file read (JSON Lines cases files stream and have no limit)."""


class TestFormat(StrEnum):
    """Output formats of `cs-score test`."""

    text = "text"
    junit = "junit"


class CasesError(UserError):
    """Cases that cannot be run; carries every problem found, so all are shown at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Case:
    """One test case: the record to score and what is expected of it."""

    id: str
    file: str
    line: int
    record: bytes
    expect: dict[str, Any]


@dataclass
class CaseFile:
    name: str
    cases: list[Case]
    as_of: datetime | None = None


@dataclass(frozen=True)
class Mismatch:
    """One expectation not met."""

    key: str
    expected: Any
    actual: Any
    reason: str | None = None


@dataclass
class CaseResult:
    case: Case
    mismatches: list[Mismatch]

    @property
    def passed(self) -> bool:
        return not self.mismatches


@dataclass
class TestRun:
    """Every case of every file, in order, with what did not match."""

    files: list[tuple[str, list[CaseResult]]] = field(default_factory=list)

    @property
    def results(self) -> list[CaseResult]:
        return [result for _, results in self.files for result in results]

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"


# ---------------------------------------------------------------------------------------------
# Reading and checking cases


def _hint(word: str, valid: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(valid), n=1)
    return f"; did you mean `{close[0]}`?" if close else f" (valid: {', '.join(valid)})"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not a JSON value: {type(value).__name__}")


class _Checker:
    """Checks the cases of one file against the rule set, collecting every problem."""

    def __init__(self, ruleset: RuleSet, file: str) -> None:
        self.ruleset = ruleset
        self.file = file
        self.rule_ids = [rule.id for rule in ruleset.rules]
        self.grades = ruleset.grade_order()
        self.problems: list[Problem] = []

    def at(self, node: Any, key: str | int | None, fallback: Location) -> Location:
        if isinstance(node, LocDict) and isinstance(key, str):
            return node.where(key) or fallback
        if isinstance(node, LocList) and isinstance(key, int):
            return node.where(key) or fallback
        if isinstance(node, LocDict | LocList) and node.loc is not None:
            return node.loc
        return fallback

    def problem(self, where: Location, path: str, message: str) -> None:
        self.problems.append(Problem(where, path, message))

    def case(self, index: int, record: Any, where: Location) -> Case | None:
        if not isinstance(record, dict):
            self.problem(where, f"cases[{index}]", "expected a record (a mapping of fields)")
            return None
        case_id = record.get("id")
        name = case_id if isinstance(case_id, str) and case_id else index
        path = f"cases[{name}]"
        ok = True
        if "id" not in record:
            self.problem(where, path, "missing `id`: every case needs one")
            ok = False
        elif not isinstance(case_id, str) or not case_id:
            self.problem(
                self.at(record, "id", where), f"{path}.id", "`id` must be a non-empty text"
            )
            ok = False
        if "expect" not in record:
            self.problem(where, path, "missing `expect`: say what the rule set must make of it")
            return None
        expect = self.expect(record["expect"], self.at(record, "expect", where), f"{path}.expect")
        if not ok or expect is None:
            return None
        body = {key: value for key, value in record.items() if key != "expect"}
        try:
            data = json.dumps(body, default=_json_default, ensure_ascii=False).encode()
        except (TypeError, ValueError) as exc:
            self.problem(where, path, str(exc))
            return None
        assert isinstance(case_id, str)
        return Case(case_id, self.file, where.line, data, expect)

    def expect(self, expect: Any, where: Location, path: str) -> dict[str, Any] | None:
        if not isinstance(expect, dict):
            self.problem(where, path, f"expected a mapping of {', '.join(EXPECT_KEYS)}")
            return None
        before = len(self.problems)
        for key, value in expect.items():
            at = self.at(expect, key, where)
            key_path = f"{path}.{key}"
            if key not in EXPECT_KEYS:
                self.problem(at, key_path, f"unknown key `{key}`{_hint(key, EXPECT_KEYS)}")
            elif key == "score":
                if value is not None and not (_is_number(value) and 0 <= value <= 100):
                    self.problem(at, key_path, f"expected a score 0-100 or null, got {value!r}")
            elif key == "grade":
                if value is not None and value not in self.grades:
                    self.problem(
                        at,
                        key_path,
                        f"unknown grade {value!r} (grades: {', '.join(self.grades)})",
                    )
            elif key == "passed":
                if value is not None and not isinstance(value, bool):
                    self.problem(at, key_path, f"expected true, false or null, got {value!r}")
            elif key == "critical_failure":
                if value is not None and value not in self.rule_ids:
                    self.problem(at, key_path, self._unknown_rule(value))
            else:
                self.rules(value, at, key_path)
        return dict(expect) if len(self.problems) == before else None

    def _unknown_rule(self, rule_id: Any) -> str:
        return f"no rule with id `{rule_id}` in the rule set{_hint(str(rule_id), self.rule_ids)}"

    def rules(self, rules: Any, where: Location, path: str) -> None:
        if not isinstance(rules, dict):
            self.problem(where, path, "expected a mapping of rule id → {status, credit}")
            return
        for rule_id, wanted in rules.items():
            at = self.at(rules, rule_id, where)
            rule_path = f"{path}.{rule_id}"
            if rule_id not in self.rule_ids:
                self.problem(at, rule_path, self._unknown_rule(rule_id))
                continue
            if isinstance(wanted, str):
                wanted = {"status": wanted}
            if not isinstance(wanted, dict):
                self.problem(at, rule_path, "expected {status, credit} or a status")
                continue
            for key, value in wanted.items():
                key_at = self.at(wanted, key, at)
                if key not in RULE_EXPECT_KEYS:
                    self.problem(
                        key_at,
                        f"{rule_path}.{key}",
                        f"unknown key `{key}`{_hint(key, RULE_EXPECT_KEYS)}",
                    )
                elif key == "status" and value not in STATUSES:
                    self.problem(
                        key_at,
                        f"{rule_path}.status",
                        f"unknown status {value!r}{_hint(str(value), STATUSES)}",
                    )
                elif (
                    key == "credit"
                    and value is not None
                    and not (_is_number(value) and 0 <= value <= 1)
                ):
                    self.problem(
                        key_at, f"{rule_path}.credit", f"expected a credit 0-1, got {value!r}"
                    )


def _read_yaml(path: str, checker: _Checker) -> CaseFile:
    file = CaseFile(path, [])
    try:
        text = read_text(path, MAX_CASES_FILE_BYTES, "cases file")
    except UnreadableFile as exc:
        checker.problem(Location(path, 1), "", str(exc))
        return file
    try:
        document = load_yaml(text, path)
    except RuleSetError as exc:
        checker.problems.extend(exc.problems)
        return file
    top = Location(path, 1, 1)
    records: Any = document
    if isinstance(document, LocDict):
        for key in document:
            if key not in FILE_KEYS:
                checker.problem(
                    document.where(key) or top, key, f"unknown key `{key}`{_hint(key, FILE_KEYS)}"
                )
        records = document.get("cases")
        as_of = document.get("as_of")
        if as_of is not None:
            file.as_of = _as_of(as_of, document.where("as_of") or top, checker)
        if records is None:
            checker.problem(top, "cases", "missing `cases:`, the list of cases")
            return file
    if not isinstance(records, LocList):
        checker.problem(
            top, "", "expected a list of cases, or a mapping with `cases:` (a list of records)"
        )
        return file
    for index, record in enumerate(records):
        case = checker.case(index, record, records.where(index) or top)
        if case is not None:
            file.cases.append(case)
    return file


def _as_of(value: Any, where: Location, checker: _Checker) -> datetime | None:
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        checker.problem(where, "as_of", f"expected an RFC 3339 time, got {value!r}")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=checker.ruleset.zone)


def _read_jsonl(path: str, checker: _Checker) -> CaseFile:
    file = CaseFile(path, [])
    try:
        lines = list(read_lines(path))
    except InputError as exc:
        checker.problem(Location(path, 1), "", str(exc))
        return file
    for raw in lines:
        where = Location(path, raw.line)
        if raw.data is None:
            checker.problem(where, "", f"line longer than {MAX_LINE_BYTES:,} bytes")
            continue
        try:
            record = json.loads(raw.data)
        except UnicodeDecodeError:
            checker.problem(where, "", "not valid UTF-8")
            continue
        except json.JSONDecodeError as exc:
            checker.problem(where, "", f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        case = checker.case(raw.line - 1, record, where)
        if case is not None:
            file.cases.append(case)
    return file


def _check_ids(file: CaseFile, checker: _Checker) -> None:
    seen: dict[str, int] = {}
    for case in file.cases:
        if case.id in seen:
            checker.problem(
                Location(file.name, case.line),
                f"cases[{case.id}].id",
                f"id `{case.id}` is used twice in this file (first at line {seen[case.id]})",
            )
        seen.setdefault(case.id, case.line)


def load_cases(paths: list[str], ruleset: RuleSet) -> list[CaseFile]:
    """Read and check every cases file; all problems are raised together as CasesError."""
    problems: list[Problem] = []
    files: list[CaseFile] = []
    for path in paths:
        checker = _Checker(ruleset, path)
        if Path(path).is_dir():
            checker.problems.append(Problem(None, "", f"{path}: is a folder, not a cases file"))
        elif not Path(path).exists():
            checker.problems.append(Problem(None, "", f"{path}: no such file"))
        else:
            file = (
                _read_jsonl(path, checker)
                if path.endswith(JSONL_SUFFIXES)
                else _read_yaml(path, checker)
            )
            _check_ids(file, checker)
            if not checker.problems and not file.cases:
                checker.problems.append(Problem(None, "", f"{path}: no cases in this file"))
            files.append(file)
        problems += checker.problems
    if problems:
        raise CasesError(problems)
    return files


# ---------------------------------------------------------------------------------------------
# Running


def _close(expected: float, actual: float) -> bool:
    return abs(expected - actual) <= TOLERANCE + 1e-9


def _compare(expect: dict[str, Any], result: dict[str, Any]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for key in ("score", "grade", "passed", "critical_failure"):
        if key not in expect:
            continue
        wanted, actual = expect[key], result.get(key)
        if key == "score" and wanted is not None and actual is not None:
            same = _close(wanted, actual)
        else:
            same = wanted == actual
        if not same:
            reason = None
            if key == "critical_failure" and actual:
                reason = result["rules"][actual]["reason"]
            found.append(Mismatch(key, wanted, actual, reason))
    for rule_id, wanted in (expect.get("rules") or {}).items():
        rule = result["rules"][rule_id]
        wanted = {"status": wanted} if isinstance(wanted, str) else wanted
        if "status" in wanted and wanted["status"] != rule["status"]:
            found.append(
                Mismatch(
                    f"rules.{rule_id}.status", wanted["status"], rule["status"], rule["reason"]
                )
            )
        if "credit" in wanted:
            credit, actual_credit = wanted["credit"], rule["credit"]
            if credit is None or actual_credit is None:
                same = credit is None and actual_credit is None
            else:
                same = _close(credit, actual_credit)
            if not same:
                found.append(
                    Mismatch(f"rules.{rule_id}.credit", credit, actual_credit, rule["reason"])
                )
    return found


def _score_file(file: CaseFile, ruleset: RuleSet) -> tuple[list[CaseResult], list[Problem]]:
    """Score a file's cases as one run of `evaluate` would, then compare with `expect`."""
    options = RunOptions(as_of=file.as_of, keep_results=True)
    collector = Collector(ruleset, options)
    lines = [RawLine(case.file, case.line, case.record) for case in file.cases]
    outcome = score_batch(lines, 0, ruleset, options)
    duplicates = collector.claim(outcome)
    if duplicates:
        outcome = score_batch(lines, 0, ruleset, options, duplicates)
    problems = [
        Problem(Location(r.file, r.line), "", f"the record cannot be scored: {r.reason}")
        for r in outcome.part.rejections
    ]
    collector.take(outcome, claimed=True)
    collector.close()
    assert collector.store is not None
    by_id = {result["id"]: result for result in collector.store}
    collector.store.close()
    if problems:
        return [], problems
    return [CaseResult(case, _compare(case.expect, by_id[case.id])) for case in file.cases], []


def run_cases(files: list[CaseFile], ruleset: RuleSet) -> TestRun:
    """Run every file's cases; records that cannot be scored are raised as CasesError."""
    run = TestRun()
    problems: list[Problem] = []
    for file in files:
        results, file_problems = _score_file(file, ruleset)
        problems += file_problems
        run.files.append((file.name, results))
    if problems:
        raise CasesError(problems)
    return run


# ---------------------------------------------------------------------------------------------
# Output


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(round(value, 4), "g")
    return str(value)


def diff_lines(result: CaseResult) -> Iterator[tuple[str, str, str | None]]:
    """The failed expectations as (sign, text, reason): `-` expected, `+` actual."""
    for mismatch in result.mismatches:
        yield "-", f"{mismatch.key}: {_show(mismatch.expected)}", None
        yield "+", f"{mismatch.key}: {_show(mismatch.actual)}", mismatch.reason


def render_text(run: TestRun) -> Text:
    """Each case as passed or failed, a diff for each failure, and the summary line."""
    out = Text()
    for name, results in run.files:
        out.append(f"{name}: {len(results)} case{'s' if len(results) != 1 else ''}\n", "bold")
        for result in results:
            case = result.case
            if result.passed:
                out.append("  passed", "green")
                out.append(f"  {case.id}\n")
                continue
            out.append("  FAILED", "bold red")
            out.append(f"  {case.id}  {case.file}:{case.line}  ")
            out.append("(- expected, + actual)\n", "dim")
            for sign, text, reason in diff_lines(result):
                out.append(f"      {sign} {text}", "red" if sign == "-" else "green")
                if reason:
                    out.append(f"  # {reason}", "dim")
                out.append("\n")
    out.append(run.summary() + "\n", "bold green" if not run.failed else "bold red")
    return out


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def render_junit(run: TestRun, rules_name: str) -> str:
    """JUnit XML for CI: one test suite per cases file, one test case per case."""
    total = len(run.results)
    suites = ElementTree.Element(
        "testsuites",
        name=_xml_text(f"cs-score test: {rules_name}"),
        tests=str(total),
        failures=str(run.failed),
        errors="0",
    )
    for name, results in run.files:
        failed = sum(not r.passed for r in results)
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=_xml_text(name),
            tests=str(len(results)),
            failures=str(failed),
            errors="0",
            skipped="0",
        )
        for result in results:
            case = result.case
            element = ElementTree.SubElement(
                suite,
                "testcase",
                name=_xml_text(case.id),
                classname=_xml_text(name),
                file=_xml_text(case.file),
                line=str(case.line),
            )
            if not result.passed:
                count = len(result.mismatches)
                failure = ElementTree.SubElement(
                    element,
                    "failure",
                    message=_xml_text(
                        f"{count} expectation{'s' if count != 1 else ''} not met: "
                        + ", ".join(m.key for m in result.mismatches)
                    ),
                    type="expectation",
                )
                failure.text = _xml_text(
                    "\n".join(
                        f"{sign} {text}" + (f"  # {reason}" if reason else "")
                        for sign, text, reason in diff_lines(result)
                    )
                )
    ElementTree.indent(suites)
    body = ElementTree.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
