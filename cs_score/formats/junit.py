"""`junit`: the XML test report that GitLab, Jenkins and GitHub test reporters read.

Layout: one `<testsuites>` root; one `<testsuite>` per input file (named by the path as given,
`<stdin>` for standard input), then one `<testsuite name="gate">`.

- One `<testcase>` per interaction: `name` is its id, `classname` its channel (`no-channel`
  when the record has none), `time="0"`. It **fails** exactly when the interaction did not
  pass: one `<failure>` per rule whose status is `fail` (`type` = rule id, `message` = the
  reason), the failed critical rule first with its message starting `critical:`. An
  interaction that lost its points through partial credits only gets one
  `<failure type="score">` saying its score is below the pass score. The first failure's text
  gives the file and line, the score and every rule that lost points.
- An unrated interaction (every rule n/a) is `<skipped>`.
- A rejected line is a test case in error: `name="line N"`, `classname="rejected"`,
  `<error type="rejected" message="REASON">`, so the CI shows it.
- The `gate` suite holds one test case per gate condition, failing when the condition fails.

Text from records is made safe for XML: `&`, `<`, `>` and `"` are escaped, and characters XML
1.0 forbids (NUL, escape, bell …), like every other control or format character, are written as
visible escapes (`\\x1b`). The output validates against the Jenkins xUnit JUnit schema
(`junit-10.xsd`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cs_score.formats.base import FormatOptions, condition_parts, number, printable
from cs_score.report import Report

NO_CHANNEL = "no-channel"


def _text(value: Any) -> str:
    """Any text as XML character data: made printable, then XML's own characters escaped."""
    return printable(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: Any) -> str:
    """Any text as a double-quoted XML attribute value."""
    return _text(value).replace('"', "&quot;")


@dataclass
class _Counts:
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _failures(result: dict[str, Any], pass_score: float) -> list[tuple[str, str]]:
    """(type, message) of each failure of an interaction that did not pass, worst first."""
    rules = result["rules"]
    critical = result["critical_failure"]
    found: list[tuple[str, str]] = []
    if critical is not None:
        found.append((critical, f"critical: {printable(rules[critical]['reason'])}"))
    for rule_id, rule in rules.items():
        if rule["status"] == "fail" and rule_id != critical:
            found.append((rule_id, printable(rule["reason"])))
    if not found:
        found.append(
            (
                "score",
                f"score {result['score']:.2f} ({result['grade']}) is below the pass score "
                f"{pass_score:g}",
            )
        )
    return found


def _details(result: dict[str, Any], pass_score: float) -> list[str]:
    """The first failure's text: where the interaction is, its score, the rules that lost points."""
    source = result["source"]
    lines = [
        f"{printable(source['file'])}:{source['line']}: score {result['score']:.2f} "
        f"(grade {result['grade']}); an interaction passes at {pass_score:g}"
    ]
    if result["critical_failure"] is not None:
        lines.append(f"critical rule {printable(result['critical_failure'])} failed: score 0")
    lost = [
        (rule_id, rule)
        for rule_id, rule in result["rules"].items()
        if rule["status"] in ("fail", "partial")
    ]
    if lost:
        lines.append("rules that lost points:")
        for rule_id, rule in lost:
            lines.append(
                f"  {printable(rule_id)} ({rule['status']}, credit {number(rule['credit'])}, "
                f"weight {number(rule['weight'])}): {printable(rule['reason'])}"
            )
    return lines


class JUnitFormat:
    shows_groups = False
    takes_details = False
    needs_results = True

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        pass_score = float(report.rules["pass_score"])
        suites = self._count(report, results)
        gate = report.gate["conditions"]
        gate_failures = sum(not c["passed"] for c in gate)
        total = sum(c.tests for c in suites.values()) + len(gate)
        failures = sum(c.failures for c in suites.values()) + gate_failures
        errors = sum(c.errors for c in suites.values())
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield (
            f'<testsuites name="{_attr("cs-score: " + str(report.rules["name"]))}" '
            f'tests="{total}" failures="{failures}" errors="{errors}" time="0">\n'
        )
        names = list(suites)
        index = {name: at for at, name in enumerate(names)}
        position = 0  # suites before this one are written
        current: str | None = None
        for result in results:
            file = result["source"]["file"]
            if file != current:
                if current is not None:
                    yield from self._close_suite(suites[current])
                at = index.get(file, -1)
                if at >= position:
                    # Files before this one that had no scored interaction still get their suite.
                    for name in names[position:at]:
                        yield self._open_suite(name, suites[name])
                        yield from self._close_suite(suites[name])
                    position = at + 1
                current = file
                yield self._open_suite(file, suites[file])
            yield from self._testcase(result, pass_score)
        if current is not None:
            yield from self._close_suite(suites[current])
        for name in names[position:]:
            yield self._open_suite(name, suites[name])
            yield from self._close_suite(suites[name])
        yield (
            f'  <testsuite name="gate" tests="{len(gate)}" failures="{gate_failures}" '
            'errors="0" skipped="0" time="0">\n'
        )
        for condition in gate:
            yield from self._gate_case(condition)
        yield "  </testsuite>\n</testsuites>\n"

    @staticmethod
    def _count(report: Report, results: Iterable[dict[str, Any]]) -> dict[str, _Counts]:
        """Per-file counts, read before any test case is written (the suite's attributes)."""
        suites = {name: _Counts() for name in report.inputs}
        for result in results:
            counts = suites.setdefault(result["source"]["file"], _Counts())
            counts.tests += 1
            if result["passed"] is None:
                counts.skipped += 1
            elif not result["passed"]:
                counts.failures += 1
        for error in report.errors:
            counts = suites.setdefault(error["file"], _Counts())
            counts.tests += 1
            counts.errors += 1
            counts.rejected.append(error)
        return suites

    @staticmethod
    def _open_suite(file: str, counts: _Counts) -> str:
        return (
            f'  <testsuite name="{_attr(file)}" tests="{counts.tests}" '
            f'failures="{counts.failures}" errors="{counts.errors}" '
            f'skipped="{counts.skipped}" time="0">\n'
        )

    @staticmethod
    def _close_suite(counts: _Counts) -> Iterator[str]:
        for error in counts.rejected:
            reason = _attr(error["reason"])
            where = _text(f"{error['file']}:{error['line']}: {error['reason']}")
            yield (
                f'    <testcase name="line {error["line"]}" classname="rejected" time="0">\n'
                f'      <error type="rejected" message="{reason}">{where}</error>\n'
                "    </testcase>\n"
            )
        yield "  </testsuite>\n"

    @staticmethod
    def _testcase(result: dict[str, Any], pass_score: float) -> Iterator[str]:
        name = _attr(result["id"])
        channel = _attr(result.get("channel") or NO_CHANNEL)
        head = f'    <testcase name="{name}" classname="{channel}" time="0"'
        if result["passed"]:
            yield head + "/>\n"
            return
        yield head + ">\n"
        if result["passed"] is None:
            yield '      <skipped message="unrated: every rule was n/a"/>\n'
        else:
            for index, (kind, message) in enumerate(_failures(result, pass_score)):
                head = f'      <failure type="{_attr(kind)}" message="{_attr(message)}"'
                if index:
                    yield head + "/>\n"
                else:
                    body = "\n".join(map(_text, _details(result, pass_score)))
                    yield f"{head}>{body}</failure>\n"
        yield "    </testcase>\n"

    @staticmethod
    def _gate_case(condition: dict[str, Any]) -> Iterator[str]:
        name = _attr(condition["name"])
        head = f'    <testcase name="{name}" classname="gate" time="0"'
        if condition["passed"]:
            yield head + "/>\n"
            return
        value, needs = condition_parts(condition)
        message = f"{condition['name']}: {value} (needs {needs})"
        yield (
            f'{head}>\n      <failure type="gate" message="{_attr(message)}"/>\n    </testcase>\n'
        )
