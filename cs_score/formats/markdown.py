"""`markdown`: a summary and tables for `$GITHUB_STEP_SUMMARY` or a pull-request comment.

Sections: the verdict line and counts; the gate's conditions; the grade distribution; one row
per rule with its own figures; one table per `--group-by`; the lowest-scoring interactions with
why each lost points; with `--details`, every interaction with a mark per rule; the rejected
lines; notes. Tables are GitHub-flavoured Markdown.

Text from records is shown as text: characters Markdown or HTML would act on (`|`, `*`, `_`,
`` ` ``, `[`, `]`, `<`, `>`, `&`, `#`, `@`, `!`, `~`, `$`, `\\`) are backslash-escaped, so an
agent's message can neither break a table nor add a link, an image or HTML; control characters
are written as visible escapes (`\\x1b`), line breaks as `\\n`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cs_score.formats.base import (
    STATUS_MARK,
    FormatOptions,
    condition_parts,
    percent,
    printable,
    rule_figures,
    two_decimals,
)
from cs_score.report import Report

MAX_ERRORS_SHOWN = 20
MAX_REASONS_SHOWN = 3
_ACTIVE = frozenset("\\`*_[]<>|~&#@!$")


def md(value: Any) -> str:
    """Record text as inert Markdown: printable, with every active character escaped."""
    return "".join("\\" + char if char in _ACTIVE else char for char in printable(value))


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |\n"


def _rule_line(aligns: str) -> str:
    shapes = {"l": "---", "r": "---:", "c": ":---:"}
    return "|" + "|".join(shapes[a] for a in aligns) + "|\n"


class MarkdownFormat:
    def __init__(self, options: FormatOptions) -> None:
        self.options = options
        self.needs_results = options.details

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        yield from self._summary(report)
        yield from self._gate(report)
        yield from self._grades(report)
        yield from self._rules(report)
        for spec, rows in report.groups.items():
            yield from self._group(spec, rows, report)
        yield from self._worst(report)
        if self.options.details:
            yield from self._details(report, results)
        yield from self._errors(report)
        yield from self._notes(report)

    @staticmethod
    def _summary(report: Report) -> Iterator[str]:
        s = report.summary
        yield f"## cs-score: {md(report.rules['name'])}\n\n"
        verdict = "✅ passed" if report.passed else "❌ failed"
        line = f"**Gate {verdict}** · mean score **{two_decimals(s['mean_score'])}**"
        if s["grade"]:
            line += f" (grade **{s['grade']}**)"
        line += f" · pass rate **{percent(s['pass_rate'])}** ({s['passed']:,} of {s['rated']:,})"
        yield line + "\n\n"
        yield _row("read", "scored", "rejected", "rated", "unrated", "critical failures", "as of")
        yield _rule_line("rrrrrrl")
        yield _row(
            f"{s['read']:,}",
            f"{s['scored']:,}",
            f"{s['rejected']:,}",
            f"{s['rated']:,}",
            f"{s['unrated']:,}",
            f"{s['critical_failures']:,}",
            md(s["as_of"] or "–"),
        )
        yield f"\nInputs: {', '.join(md(name) for name in report.inputs)}\n\n"

    @staticmethod
    def _gate(report: Report) -> Iterator[str]:
        yield "### Gate\n\n"
        yield _row("", "condition", "value", "needs")
        yield _rule_line("llrl")
        for condition in report.gate["conditions"]:
            value, needs = condition_parts(condition)
            mark = "✅" if condition["passed"] else "❌"
            yield _row(mark, md(condition["name"]), md(value), needs)
        yield "\n"

    @staticmethod
    def _grades(report: Report) -> Iterator[str]:
        s = report.summary
        yield "### Grades\n\n"
        yield _row("grade", "interactions", "share")
        yield _rule_line("lrr")
        for grade, n in s["grade_counts"].items():
            share = f"{100 * n / s['rated']:.0f}%" if s["rated"] else "–"
            yield _row(md(grade), f"{n:,}", share)
        yield "\n"

    @staticmethod
    def _rules(report: Report) -> Iterator[str]:
        yield "### Rules\n\n"
        yield _row(
            "rule",
            "weight",
            "applicable",
            "pass",
            "partial",
            "fail",
            "n/a",
            "mean credit",
            "figures",
        )
        yield _rule_line("lrrrrrrrl")
        for rule in report.rules_summary:
            name = md(rule["id"]) + (" (critical)" if rule["critical"] else "")
            yield _row(
                name,
                f"{rule['weight']:g}",
                f"{rule['applicable']:,}",
                f"{rule['passed']:,}",
                f"{rule['partial']:,}",
                f"{rule['failed']:,}",
                f"{rule['na']:,}",
                two_decimals(rule["mean_credit"]),
                md(rule_figures(rule)),
            )
        yield "\n"

    @staticmethod
    def _group(spec: str, rows: list[dict[str, Any]], report: Report) -> Iterator[str]:
        rule_ids = [rule["id"] for rule in report.rules_summary]
        yield f"### By {md(spec)}\n\n"
        yield _row(md(spec), "count", "mean score", "grade", "pass rate", *map(md, rule_ids))
        yield _rule_line("lrrlr" + "r" * len(rule_ids))
        for row in rows:
            yield _row(
                md(row["value"]),
                f"{row['count']:,}",
                two_decimals(row["mean_score"]),
                md(row["grade"] or "–"),
                percent(row["pass_rate"]),
                *(two_decimals(row["rules"][rule_id]) for rule_id in rule_ids),
            )
        yield "\n"

    @staticmethod
    def _worst(report: Report) -> Iterator[str]:
        if not report.worst:
            return
        yield "### Lowest scores\n\n"
        yield _row("interaction", "source", "score", "grade", "why it lost points")
        yield _rule_line("llrll")
        for entry in report.worst:
            source = f"{md(entry['source']['file'])}:{entry['source']['line']}"
            reasons = "<br>".join(md(r) for r in entry["reasons"][:MAX_REASONS_SHOWN])
            yield _row(
                md(entry["id"]), source, two_decimals(entry["score"]), md(entry["grade"]), reasons
            )
        yield "\n"

    @staticmethod
    def _details(report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        rule_ids = [rule["id"] for rule in report.rules_summary]
        yield "### Interactions\n\n"
        yield _row("interaction", "score", "grade", "passed", *map(md, rule_ids))
        yield _rule_line("lrll" + "c" * len(rule_ids))
        for result in results:
            rules = result["rules"]
            passed = "–" if result["passed"] is None else "yes" if result["passed"] else "no"
            yield _row(
                md(result["id"]),
                two_decimals(result["score"]),
                md(result["grade"] or "–"),
                passed,
                *(STATUS_MARK.get(rules[r]["status"], "?") if r in rules else "" for r in rule_ids),
            )
        yield "\n✔ pass, ◐ partial, ✘ fail, · n/a\n\n"

    @staticmethod
    def _errors(report: Report) -> Iterator[str]:
        if not report.errors:
            return
        yield f"### Rejected lines ({len(report.errors):,})\n\n"
        yield _row("line", "reason")
        yield _rule_line("ll")
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            yield _row(f"{md(error['file'])}:{error['line']}", md(error["reason"]))
        if len(report.errors) > MAX_ERRORS_SHOWN:
            more = len(report.errors) - MAX_ERRORS_SHOWN
            yield f"\n… and {more:,} more (all are listed by `--format json`)\n"
        yield "\n"

    @staticmethod
    def _notes(report: Report) -> Iterator[str]:
        for note in report.notes:
            yield f"> note: {md(note)}\n"
        if report.notes:
            yield "\n"
