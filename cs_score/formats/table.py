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
from rich.table import Table
from rich.text import Text

from cs_score.durations import format_duration
from cs_score.formats import FormatOptions
from cs_score.report import Report

STATUS_MARK = {"pass": "✔", "partial": "◐", "fail": "✘", "na": "·"}
MAX_ERRORS_SHOWN = 20


def safe(value: Any) -> str:
    """Record text made safe for a terminal: control characters shown as escapes."""
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def _seconds(value: float | None) -> str:
    return "–" if value is None else format_duration(value)


def _wait_figures(m: dict[str, Any]) -> str:
    if not m.get("waits"):
        return ""
    return (
        f"mean {_seconds(m['mean_wait_seconds'])} · median {_seconds(m['median_wait_seconds'])}"
        f" · p90 {_seconds(m['p90_wait_seconds'])} · {m['within_target_rate']:g}% within target"
    )


def _promise_figures(m: dict[str, Any]) -> str:
    if not m.get("made"):
        return ""
    return (
        f"made {m['made']} · kept {m['kept']} · broken {m['broken']}"
        f" ({m['notified']} notified) · pending {m['pending']}"
    )


def _product_figures(m: dict[str, Any]) -> str:
    return (
        f"defective {m['defective']} · returned {m['returned']} · complaints {m['complaint']}"
        f" · cost {m['cost']:,.2f}"
    )


def _resolution_figures(m: dict[str, Any]) -> str:
    return " · ".join(f"{status} {n}" for status, n in m.get("statuses", {}).items())


def _conduct_figures(m: dict[str, Any]) -> str:
    return " · ".join(
        f"{pack.replace('_', ' ')} {n}" for pack, n in m.get("violations_by_pack", {}).items()
    )


def _response_figures(m: dict[str, Any]) -> str:
    if not m.get("answered"):
        return ""
    return (
        f"{m['answered']} messages answered · {m['in_time_rate']:g}% in time"
        f" · mean {_seconds(m['mean_response_seconds'])}"
        f" · p90 {_seconds(m['p90_response_seconds'])} · unanswered {m['unanswered']}"
    )


def _escalation_figures(m: dict[str, Any]) -> str:
    text = f"requests {m['requests']} · granted {m['granted']} · refused {m['refused']}"
    if m.get("unrequested"):
        text += f" · unrequested {m['unrequested']}"
    return text


def _closing_figures(m: dict[str, Any]) -> str:
    return (
        f"closed {m['closed']} · too early {m['closed_too_early']} · not closed {m['not_closed']}"
    )


def _phrase_figures(m: dict[str, Any]) -> str:
    if not m.get("found_in"):
        return ""
    top = ", ".join(f"“{phrase}” {n}" for phrase, n in list(m["top_phrases"].items())[:3])
    return f"found in {m['found_in']}: {top}"


FIGURES: dict[str, Callable[[dict[str, Any]], str]] = {
    "wait_time": _wait_figures,
    "promises": _promise_figures,
    "product_quality": _product_figures,
    "resolution": _resolution_figures,
    "conduct": _conduct_figures,
    "response_time": _response_figures,
    "escalation": _escalation_figures,
    "closing": _closing_figures,
    "phrase": _phrase_figures,
}


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _credit(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


class TableFormat:
    def __init__(self, options: FormatOptions) -> None:
        self.options = options
        self.needs_results = options.details

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            force_terminal=self.options.color,
            no_color=not self.options.color,
            color_system="standard" if self.options.color else None,
            width=self.options.width,
            highlight=False,
            emoji=False,
            markup=False,
            legacy_windows=False,
        )
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
        title.append(f" — {safe(report.rules['name'])}", style="bold")
        console.print(title)
        console.print(Text(f"inputs: {', '.join(safe(i) for i in report.inputs)}", style="dim"))
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
        score.append(_score(s["mean_score"]), style="bold")
        if s["grade"]:
            score.append(" · grade ")
            score.append(s["grade"], style="bold")
        score.append(f" · pass rate {_pct(s['pass_rate'])} ({s['passed']:,} of {s['rated']:,})")
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
            name = Text(safe(rule["id"]))
            if rule["critical"]:
                name.append(" (critical)", style="yellow")
            describe = FIGURES.get(rule["kind"])
            figures = describe(rule["metrics"]) if describe and rule["applicable"] else ""
            if figures:
                lines.append(Text(f"  {safe(rule['id'])}: {figures}"))
            table.add_row(
                name,
                f"{rule['weight']:g}",
                f"{rule['applicable']:,}",
                f"{rule['passed']:,}",
                f"{rule['partial']:,}",
                f"{rule['failed']:,}",
                f"{rule['na']:,}",
                _credit(rule["mean_credit"]),
            )
        console.print(table)
        for line in lines:
            console.print(line)
        console.print()

    def _group(
        self, console: Console, spec: str, rows: list[dict[str, Any]], report: Report
    ) -> None:
        table = Table(
            title=f"By {safe(spec)}", box=box.SIMPLE_HEAD, title_justify="left", show_edge=False
        )
        table.add_column(spec)
        for header in ("count", "mean score", "grade", "pass rate"):
            table.add_column(header, justify="right")
        rule_ids = [rule["id"] for rule in report.rules_summary]
        for rule_id in rule_ids:
            table.add_column(Text(safe(rule_id)), justify="right")
        for row in rows:
            table.add_row(
                Text(safe(row["value"])),
                f"{row['count']:,}",
                _score(row["mean_score"]),
                row["grade"] or "–",
                _pct(row["pass_rate"]),
                *(_credit(row["rules"][rule_id]) for rule_id in rule_ids),
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
            where = Text(safe(entry["id"]))
            where.append(
                f"\n{safe(entry['source']['file'])}:{entry['source']['line']}", style="dim"
            )
            reasons = Text("\n".join(safe(r) for r in entry["reasons"][:3]))
            table.add_row(where, _score(entry["score"]), entry["grade"], reasons)
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
            table.add_column(Text(safe(rule_id)), justify="center")
        for result in results:
            marks = []
            for rule_id in rule_ids:
                rule = result["rules"].get(rule_id)
                marks.append(STATUS_MARK.get(rule["status"], "?") if rule else "")
            table.add_row(
                Text(safe(result["id"])), _score(result["score"]), result["grade"] or "–", *marks
            )
        console.print(table)
        console.print(Text("✔ pass  ◐ partial  ✘ fail  · n/a", style="dim"))
        console.print()

    def _errors(self, console: Console, report: Report) -> None:
        if not report.errors:
            return
        console.print(Text(f"Rejected lines ({len(report.errors):,})", style="bold red"))
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            console.print(Text(f"  {safe(error['file'])}:{error['line']}: {safe(error['reason'])}"))
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
            name = condition["name"]
            comparison = "≤" if name.startswith("max_") or name.endswith("gate_mean") else "≥"
            value = condition["value"]
            shown = (
                "–" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
            )
            threshold = condition["threshold"]
            shown_threshold = f"{threshold:g}" if isinstance(threshold, float) else str(threshold)
            console.print(
                Text(f"  {mark} {name}: {shown} (needs {comparison} {shown_threshold})"),
                style="green" if condition["passed"] else "red",
            )
        for note in report.notes:
            console.print(Text(f"note: {safe(note)}", style="dim"))
