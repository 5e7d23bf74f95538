"""`csv`: one row per interaction, a column per rule's credit, for spreadsheets and DuckDB.

Columns: `id`, `file`, `line`, `score`, `grade`, `passed`, `critical_failure`, `agent`,
`team`, `channel`, `case`, then one column per rule of the rule set, named by its id, holding
the rule's credit (0 to 1). An empty cell means "none": a rule that was n/a, a score of an
unrated interaction, a record without an agent. `passed` is `true` or `false`. A rule whose id
is already a column name gets the column `rule:ID`.

Quoting follows RFC 4180 (comma-separated, CRLF line ends, a field with a comma, a quote or a
line break is quoted and its quotes doubled). DuckDB's `read_csv('report.csv')` loads it with no
options and the right types. Rejected lines are not rows; they are named on stderr and in the
`json` report.

Spreadsheet-safe: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
(an id, an agent's name, a rule id...) is written with a `'` in front, so a spreadsheet shows it
as text instead of running it as a formula (`=HYPERLINK(...)`, `=cmd|...`): the OWASP rule
against CSV injection. Numbers are never changed. `--raw-csv` writes text exactly as the record
had it, for programs that read the file as data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from cs_score.formats.base import FormatOptions
from cs_score.report import Report

FIXED_COLUMNS = (
    "id",
    "file",
    "line",
    "score",
    "grade",
    "passed",
    "critical_failure",
    "agent",
    "team",
    "channel",
    "case",
)
ROWS_PER_CHUNK = 1000


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes for the start of a formula, in a cell of text."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def spreadsheet_safe(text: str) -> str:
    """A text cell that no spreadsheet will run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def rule_columns(rule_ids: list[str]) -> list[str]:
    """Column names of the rules: the rule id, or `rule:ID` if the id is a fixed column."""
    return [f"rule:{rule_id}" if rule_id in FIXED_COLUMNS else rule_id for rule_id in rule_ids]


class CsvFormat:
    shows_groups = False
    takes_details = False
    needs_results = True

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        rule_ids = [rule["id"] for rule in report.rules_summary]
        text = (lambda value: value) if self.options.raw_csv else spreadsheet_safe
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([text(name) for name in (*FIXED_COLUMNS, *rule_columns(rule_ids))])
        for count, result in enumerate(results, 1):
            rules = result["rules"]
            writer.writerow(
                [
                    text(_cell(result["id"])),
                    text(_cell(result["source"]["file"])),
                    _cell(result["source"]["line"]),
                    _cell(result["score"]),
                    text(_cell(result["grade"])),
                    _cell(result["passed"]),
                    text(_cell(result["critical_failure"])),
                    *(
                        text(_cell(result.get(name)))
                        for name in ("agent", "team", "channel", "case")
                    ),
                    *(_cell(rules[r]["credit"] if r in rules else None) for r in rule_ids),
                ]
            )
            if count % ROWS_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
