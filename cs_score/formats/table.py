"""`table` (default): a report for people — summary, grades, rules, groups, worst, gate.

Rendered with rich into text; colour only when asked for. Text that comes from records (ids,
quotes, reasons) is always shown as text: rich markup in it is not interpreted, and terminal
control characters are shown escaped rather than sent to the terminal.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from rich import box
from rich.console import Console
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
        yield buffer.getvalue()

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
        table = Table(title="Rules", box=box.SIMPLE_HEAD, title_justify="left", show_edge=False)
        for header, justify in (
            ("rule", "left"),
            ("weight", "right"),
            ("applicable", "right"),
            ("pass", "right"),
            ("partial", "right"),
            ("fail", "right"),
            ("n/a", "right"),
            ("mean credit", "right"),
        ):
            table.add_column(header, justify=justify, no_wrap=header == "rule")  # type: ignore[arg-type]
        lines = []
        for rule in report.rules_summary:
            name = Text(printable(rule["id"]))
            if rule["critical"]:
                name.append(" (critical)", style="yellow")
            figures = rule_figures(rule) if rule["applicable"] else ""
            if figures:
                lines.append(Text(f"  {printable(rule['id'])}: {figures}"))
            table.add_row(
                name,
                f"{rule['weight']:g}",
                f"{rule['applicable']:,}",
                f"{rule['passed']:,}",
                f"{rule['partial']:,}",
                f"{rule['failed']:,}",
                f"{rule['na']:,}",
                two_decimals(rule["mean_credit"]),
            )
        console.print(table)
        for line in lines:
            console.print(line)
        console.print()

    def _group(
        self, console: Console, spec: str, rows: list[dict[str, Any]], report: Report
    ) -> None:
        table = Table(
            title=f"By {printable(spec)}",
            box=box.SIMPLE_HEAD,
            title_justify="left",
            show_edge=False,
            collapse_padding=True,
            pad_edge=False,
        )
        longest = max((len(printable(row["value"])) for row in rows), default=0)
        table.add_column(printable(spec), min_width=min(longest, 24), overflow="fold")
        for header in ("count", "mean\nscore", "grade", "pass\nrate"):
            table.add_column(header, justify="right")
        rule_ids = [rule["id"] for rule in report.rules_summary]
        for rule_id in rule_ids:
            # Long hyphenated ids break at their hyphens so that every column fits.
            header = printable(rule_id)
            if len(header) > 8:
                header = header.replace("-", "-\n")
            table.add_column(Text(header), justify="right")
        for row in rows:
            table.add_row(
                Text(printable(row["value"])),
                f"{row['count']:,}",
                two_decimals(row["mean_score"]),
                row["grade"] or "–",
                percent(row["pass_rate"]),
                *(two_decimals(row["rules"][rule_id]) for rule_id in rule_ids),
            )
        console.print(table)
        console.print()

    def _worst(self, console: Console, report: Report) -> None:
        if not report.worst:
            return
        table = Table(
            title="Lowest scores", box=box.SIMPLE_HEAD, title_justify="left", show_edge=False
        )
        table.add_column("interaction")
        table.add_column("score", justify="right")
        table.add_column("grade")
        table.add_column("why it lost points")
        for entry in report.worst:
            where = Text(printable(entry["id"]))
            where.append(
                f"\n{printable(entry['source']['file'])}:{entry['source']['line']}", style="dim"
            )
            reasons = Text("\n".join(printable(r) for r in entry["reasons"][:3]))
            table.add_row(where, two_decimals(entry["score"]), entry["grade"], reasons)
        console.print(table)
        console.print()

    def _details(self, console: Console, report: Report, results: Iterable[dict[str, Any]]) -> None:
        table = Table(
            title="Interactions", box=box.SIMPLE_HEAD, title_justify="left", show_edge=False
        )
        table.add_column("interaction")
        table.add_column("score", justify="right")
        table.add_column("grade")
        rule_ids = [rule["id"] for rule in report.rules_summary]
        for rule_id in rule_ids:
            table.add_column(Text(printable(rule_id)), justify="center")
        for result in results:
            marks = []
            for rule_id in rule_ids:
                rule = result["rules"].get(rule_id)
                marks.append(STATUS_MARK.get(rule["status"], "?") if rule else "")
            table.add_row(
                Text(printable(result["id"])),
                two_decimals(result["score"]),
                result["grade"] or "–",
                *marks,
            )
        console.print(table)
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
