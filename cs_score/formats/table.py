"""`table` (default): a report for people — summary, grades, rules, groups, worst, gate.

Rendered with rich into text; colour only when asked for. Text that comes from records (ids,
quotes, reasons) is always shown as text: rich markup in it is not interpreted, and terminal
control characters are shown escaped rather than sent to the terminal.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

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


def text_console(buffer: io.StringIO, options: FormatOptions) -> Console:
    """A rich console writing plain text to `buffer`, coloured only when the options say."""
    return Console(
        file=buffer,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        width=options.width,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )


class TableFormat:
    def __init__(self, options: FormatOptions) -> None:
        self.options = options
        self.needs_results = options.details

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        buffer = io.StringIO()
        console = text_console(buffer, self.options)
        self._summary(console, report)
        self._rules(console, report)
        for spec, rows in report.groups.items():
            self._group(console, spec, rows, report)
        self._worst(console, report)
        if self.options.details:
            self._details(console, report, results)
        self._errors(console, report)
        self._gate(console, report)
        # rich pads every line of a table to its width: piped, that is trailing spaces
        yield "\n".join(line.rstrip(" ") for line in buffer.getvalue().split("\n"))

    def _summary(self, console: Console, report: Report) -> None:
        s = report.summary
        title = Text("cs-score", style="bold")
        title.append(f" — {printable(report.rules['name'])}", style="bold")
        console.print(title)
        console.print(
            Text(f"inputs: {', '.join(printable(i) for i in report.inputs)}", style="dim")
        )
        console.print()
        line = Text()
        line.append(f"Read {s['read']:,}")
        line.append(f" · scored {s['scored']:,}")
        line.append(f" · rejected {s['rejected']:,}", style="red" if s["rejected"] else "")
        line.append(f" · rated {s['rated']:,}")
        if s["unrated"]:
            line.append(f" (unrated {s['unrated']:,})")
        console.print(line)
        score = Text("Mean score ")
        score.append(two_decimals(s["mean_score"]), style="bold")
        if s["grade"]:
            score.append(" · grade ")
            score.append(s["grade"], style="bold")
        score.append(f" · pass rate {percent(s['pass_rate'])} ({s['passed']:,} of {s['rated']:,})")
        if s["critical_failures"]:
            score.append(f" · critical failures {s['critical_failures']:,}", style="red")
        console.print(score)
        if s["as_of"]:
            console.print(Text(f"As of {s['as_of']}", style="dim"))
        console.print()
        counts = s["grade_counts"]
        most = max(counts.values(), default=0) or 1
        bar_width = 40
        for grade, n in counts.items():
            share = f"{100 * n / s['rated']:.0f}%" if s["rated"] else "–"
            bar = "█" * round(bar_width * n / most) if n else ""
            row = Text(f"  {grade:<2} ")
            row.append(f"{bar:<{bar_width}}", style="cyan")
            row.append(f" {n:>6,}  {share:>4}")
            console.print(row)
        console.print()

    def _rules(self, console: Console, report: Report) -> None:
        lines = []
        for rule in report.rules_summary:
            figures = rule_figures(rule) if rule["applicable"] else ""
            if figures:
                lines.append(Text(f"  {printable(rule['id'])}: {figures}"))

        def table(headers: tuple[str, ...]) -> Table:
            table = Table(
                title="Rules",
                box=box.SIMPLE_HEAD,
                title_justify="left",
                show_edge=False,
                collapse_padding=headers is SHORT_RULE_HEADERS,
                pad_edge=headers is not SHORT_RULE_HEADERS,
            )
            table.add_column(headers[0], overflow="fold")
            for header in headers[1:]:
                table.add_column(header, justify="right", no_wrap=True)
            for rule in report.rules_summary:
                table.add_row(_rule_name(rule), *_rule_cells(rule))
            return table

        def stacked() -> None:
            console.print(Text("Rules", style="italic"))
            for rule in report.rules_summary:
                line = _rule_name(rule)
                cells = _rule_cells(rule)
                line.append(
                    ": "
                    + " · ".join(f"{h} {c}" for h, c in zip(RULE_HEADERS[1:], cells, strict=True))
                )
                console.print(line)

        _fitted(console, [lambda: table(RULE_HEADERS), lambda: table(SHORT_RULE_HEADERS)], stacked)
        for line in lines:
            console.print(line)
        console.print()

    def _group(
        self, console: Console, spec: str, rows: list[dict[str, Any]], report: Report
    ) -> None:
        rule_ids = [rule["id"] for rule in report.rules_summary]

        def cells(row: dict[str, Any]) -> list[str]:
            return [
                f"{row['count']:,}",
                two_decimals(row["mean_score"]),
                row["grade"] or "–",
                percent(row["pass_rate"]),
                *(two_decimals(row["rules"][rule_id]) for rule_id in rule_ids),
            ]

        def table(numbered: bool) -> Table:
            table = Table(
                title=f"By {printable(spec)}",
                box=box.SIMPLE_HEAD,
                title_justify="left",
                show_edge=False,
                collapse_padding=True,
                pad_edge=False,
            )
            table.add_column(printable(spec), overflow="fold")
            for header in ("count", "mean\nscore", "grade", "pass\nrate"):
                table.add_column(header, justify="right", no_wrap=True)
            for number, rule_id in enumerate(rule_ids, 1):
                # Long hyphenated ids break at their hyphens so that every column fits;
                # numbered (with a legend) where even that is too wide.
                header = f"r{number}" if numbered else printable(rule_id)
                if len(header) > 8:
                    header = header.replace("-", "-\n")
                table.add_column(Text(header), justify="right", no_wrap=True)
            for row in rows:
                table.add_row(Text(printable(row["value"])), *cells(row))
            if numbered:
                legend = " · ".join(f"r{n} {printable(r)}" for n, r in enumerate(rule_ids, 1))
                table.caption = legend
                table.caption_justify = "left"
            return table

        def stacked() -> None:
            console.print(Text(f"By {printable(spec)}", style="italic"))
            names = ("count", "mean score", "grade", "pass rate", *map(printable, rule_ids))
            for row in rows:
                values = cells(row)
                line = Text(printable(row["value"]), style="bold")
                line.append(
                    ": "
                    + " · ".join(f"{n} {v}" for n, v in zip(names[:4], values[:4], strict=True))
                )
                console.print(line)
                pairs = zip(names[4:], values[4:], strict=True)
                console.print(Text("  " + " · ".join(f"{n} {v}" for n, v in pairs)))

        _fitted(console, [lambda: table(False), lambda: table(True)], stacked)
        console.print()

    def _worst(self, console: Console, report: Report) -> None:
        if not report.worst:
            return
        longest_id = max(len(printable(entry["id"])) for entry in report.worst)

        one_input = len(report.inputs) == 1

        def table(short_place: bool) -> Table:
            table = Table(
                title="Lowest scores", box=box.SIMPLE_HEAD, title_justify="left", show_edge=False
            )
            table.add_column("interaction", min_width=longest_id, overflow="fold")
            table.add_column("score", justify="right", no_wrap=True)
            table.add_column("grade", no_wrap=True)
            table.add_column("why it lost points", min_width=20)
            for entry in report.worst:
                where = Text(printable(entry["id"]))
                # the one input is named at the top: its line number is enough
                place = f"line {entry['source']['line']}" if short_place else _place(entry)
                where.append(f"\n{place}", style="dim")
                reasons = Text("\n".join(printable(r) for r in entry["reasons"][:3]))
                table.add_row(where, two_decimals(entry["score"]), entry["grade"], reasons)
            return table

        def stacked() -> None:
            console.print(Text("Lowest scores", style="italic"))
            for entry in report.worst:
                line = Text(printable(entry["id"]), style="bold")
                line.append(f" {two_decimals(entry['score'])} {entry['grade']}")
                line.append(f" {_place(entry)}", style="dim")
                console.print(line)
                for reason in entry["reasons"][:3]:
                    console.print(Text(f"  {printable(reason)}"))

        tables = [lambda: table(False)] + ([lambda: table(True)] if one_input else [])
        _fitted(console, tables, stacked)
        console.print()

    def _details(self, console: Console, report: Report, results: Iterable[dict[str, Any]]) -> None:
        rule_ids = [rule["id"] for rule in report.rules_summary]

        def rows() -> Iterator[tuple[str, str, str, list[str]]]:
            for result in results:
                marks = []
                for rule_id in rule_ids:
                    rule = result["rules"].get(rule_id)
                    marks.append(STATUS_MARK.get(rule["status"], "?") if rule else "")
                grade = result["grade"] or "–"
                yield printable(result["id"]), two_decimals(result["score"]), grade, marks

        def table(one_column: bool) -> Table:
            table = Table(
                title="Interactions", box=box.SIMPLE_HEAD, title_justify="left", show_edge=False
            )
            table.add_column("interaction", no_wrap=True)
            table.add_column("score", justify="right", no_wrap=True)
            table.add_column("grade", no_wrap=True)
            if one_column:
                table.add_column("rules", no_wrap=True)
            else:
                for rule_id in rule_ids:
                    table.add_column(Text(printable(rule_id)), justify="center", no_wrap=True)
            for id_, score, grade, marks in rows():
                shown = [" ".join(mark or " " for mark in marks)] if one_column else marks
                table.add_row(Text(id_), score, grade, *shown)
            return table

        # The marks in one column, in the order the legend gives: a table that fits
        # wherever the ids and scores do; each rule a column of its own when that fits.
        one_column = _width(console, table(False)) > console.width
        if one_column and _width(console, table(True)) > console.width:
            console.print(Text("Interactions", style="italic"))
            for id_, score, grade, marks in rows():
                console.print(Text(f"{id_} {score} {grade} {' '.join(marks)}"))
        else:
            console.print(table(one_column))
        if one_column:
            order = " ".join(printable(rule_id) for rule_id in rule_ids)
            console.print(Text(f"rules, in order: {order}", style="dim"))
        console.print(Text("✔ pass  ◐ partial  ✘ fail  · n/a", style="dim"))
        console.print()

    def _errors(self, console: Console, report: Report) -> None:
        if not report.errors:
            return
        console.print(Text(f"Rejected lines ({len(report.errors):,})", style="bold red"))
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            console.print(
                Text(f"  {printable(error['file'])}:{error['line']}: {printable(error['reason'])}")
            )
        if len(report.errors) > MAX_ERRORS_SHOWN:
            console.print(
                Text(f"  … and {len(report.errors) - MAX_ERRORS_SHOWN:,} more (see --format json)")
            )
        console.print()

    def _gate(self, console: Console, report: Report) -> None:
        gate = report.gate
        verdict = Text("Gate: ", style="bold")
        verdict.append(
            "PASSED" if gate["passed"] else "FAILED",
            style="bold green" if gate["passed"] else "bold red",
        )
        console.print(verdict)
        for condition in gate["conditions"]:
            mark = "✔" if condition["passed"] else "✘"
            value, needs = condition_parts(condition)
            console.print(
                Text(f"  {mark} {condition['name']}: {value} (needs {needs})"),
                style="green" if condition["passed"] else "red",
            )
        for note in report.notes:
            console.print(Text(f"note: {printable(note)}", style="dim"))


RULE_HEADERS = ("rule", "weight", "applicable", "pass", "partial", "fail", "n/a", "mean credit")
SHORT_RULE_HEADERS = ("rule", "wt", "appl.", "pass", "part.", "fail", "n/a", "credit")
"""The rules table's headers where the long ones do not fit the width."""


def _rule_name(rule: dict[str, Any]) -> Text:
    name = Text(printable(rule["id"]))
    if rule["critical"]:
        name.append(" (critical)", style="yellow")
    return name


def _rule_cells(rule: dict[str, Any]) -> list[str]:
    return [
        f"{rule['weight']:g}",
        f"{rule['applicable']:,}",
        f"{rule['passed']:,}",
        f"{rule['partial']:,}",
        f"{rule['failed']:,}",
        f"{rule['na']:,}",
        two_decimals(rule["mean_credit"]),
    ]


def _place(entry: dict[str, Any]) -> str:
    return f"{printable(entry['source']['file'])}:{entry['source']['line']}"


def _width(console: Console, table: Table) -> int:
    """The narrowest the table can be without cutting a cell of a column that must not wrap
    (rich measures such a cell by its longest word, and cuts it with an ellipsis to fit)."""
    options = console.options.update_width(_WIDE)
    total = 0
    for index, column in enumerate(table.columns):
        cells = [column.header, *column.cells]
        measured = [Measurement.get(console, options, cell) for cell in cells]
        if column.no_wrap:
            width = max(m.maximum for m in measured)
        else:
            width = max(max(m.minimum for m in measured), column.min_width or 0)
        total += width + table._get_padding_width(index)
    return total + table._extra_width


_WIDE = 10_000


def _fitted(
    console: Console, tables: list[Callable[[], Table]], stacked: Callable[[], None]
) -> None:
    """Print the first of the tables that fits the width with its figures and ids whole
    (rich would cut them, with an ellipsis, to fit); when none does, the rows stacked."""
    for build in tables:
        table = build()
        if _width(console, table) <= console.width:
            console.print(table)
            return
    stacked()
