"""`html`: one self-contained page to open in a browser: charts, trends, groups, interactions.

Everything is inline (styles, charts drawn as SVG, a little script), so the file opens from disk
or as a CI artifact with no network; a Content-Security-Policy forbids loading anything. With
script off the page is complete but for sorting and filtering: every chart has its numbers in a
table under it.

Sections: the verdict, the counts and the gate; grades and a histogram of scores; each rule's
pass / partial / fail / n/a, mean credit and its kind's own figures; trends by day (by week when
the log spans months): mean score, pass rate, each rule's mean credit, wait median and p90; one
sortable table per `--group-by`, and by agent, team and channel; then interactions, each opening
to what `explain` shows: every rule's status, credit, weight and reason, the evidence with the
matched phrases marked, and how the score was computed.

Aggregates cover every interaction. The page lists only the `worst` lowest-scoring interactions
(`--html-worst`, default 50) and a sample of `sample` others (`--html-sample`, default 100)
drawn by a keyed hash of their id (`--html-seed`): the same interactions whatever the order
of the input or the number of jobs; as the log grows, those drawn stay drawn unless newer ones
displace them.

Text from records is escaped for HTML (`&`, `<`, `>`, `"`, `'`) after control and format
characters are written as visible escapes (`\\x1b`), so no record can add markup or script.
"""

from __future__ import annotations

import hashlib
import heapq
import html
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from cs_score.durations import format_duration
from cs_score.formats.base import (
    FormatOptions,
    condition_parts,
    number,
    percent,
    printable,
    rule_figures,
    two_decimals,
)
from cs_score.formats.explanation import STATUS_WORD, evidence_lines
from cs_score.grading import Grading, round_half_even
from cs_score.report import MICRO, Report

FEW: Final = 5
"""A group with fewer interactions than this is marked: its figures are anecdotes, not trends."""
GROUP_FIELDS: Final = ("agent", "team", "channel")
"""Groups the page always shows, besides those of `--group-by`."""
MAX_ERRORS_SHOWN: Final = 20
MAX_GROUP_ROWS: Final = 200
"""A group table lists at most this many groups (the largest), so `--group-by case` or a log
of many agents does not make a page of a row per interaction."""
HISTOGRAM_BINS: Final = 10
STATUS_COLOUR: Final = {"pass": "#2e7d32", "partial": "#e0a000", "fail": "#c62828", "na": "#9e9e9e"}
SERIES_COLOURS: Final = (
    "#1f5fa8",
    "#d1495b",
    "#2e7d32",
    "#8e44ad",
    "#e07b00",
    "#00838f",
    "#6d4c41",
    "#c2185b",
)


def h(value: Any) -> str:
    """Record text as HTML text or attribute value: printable, then HTML's characters escaped."""
    return html.escape(printable(value), quote=True)


# ---------------------------------------------------------------------------------------------
# What the page gathers from the interaction results as they stream past


@dataclass
class _Group:
    """One group's aggregates, with the report's own arithmetic (cents and millionths)."""

    count: int = 0
    rated: int = 0
    score_cents: int = 0
    passed: int = 0
    rule_credit: dict[str, list[int]] = field(default_factory=dict)

    def add(self, cents: int | None, passed: bool, credits: list[tuple[str, int]]) -> None:
        """Count one interaction: its score in cents (None: unrated), and each rule's credit
        in millionths."""
        self.count += 1
        if cents is not None:
            self.rated += 1
            self.score_cents += cents
            self.passed += passed
        rule_credit = self.rule_credit
        for rule_id, micro in credits:
            entry = rule_credit.get(rule_id)
            if entry is None:
                rule_credit[rule_id] = [1, micro]
            else:
                entry[0] += 1
                entry[1] += micro

    def row(self, value: str, rule_ids: list[str], grading: Grading) -> dict[str, Any]:
        mean = round(self.score_cents / self.rated / 100, 2) if self.rated else None
        credit = self.rule_credit
        return {
            "value": value,
            "count": self.count,
            "mean_score": mean,
            "grade": grading.grade(mean) if mean is not None else None,
            "pass_rate": round(100 * self.passed / self.rated, 2) if self.rated else None,
            "rules": {
                rule_id: round(credit[rule_id][1] / credit[rule_id][0] / MICRO, 4)
                if rule_id in credit
                else None
                for rule_id in rule_ids
            },
        }


@dataclass
class _Gathered:
    """The score histogram, the groups the report lacks, and the interactions to list."""

    histogram: list[int]
    groups: dict[str, dict[str, _Group]]
    worst: list[tuple[float, int, dict[str, Any]]]
    sample: list[tuple[int, int, dict[str, Any]]]
    count: int = 0


def _sample_key(record_id: str, seed: int) -> int:
    """Where an interaction falls in the seeded sample: a keyed hash of its id (ids are unique
    in a run), so the same interactions are drawn whatever else the log holds."""
    digest = hashlib.blake2b(
        record_id.encode("utf-8", "surrogatepass"), digest_size=8, key=str(seed).encode()
    ).digest()
    return int.from_bytes(digest, "big")


def _gather(
    results: Iterable[dict[str, Any]], fields: Sequence[str], worst_n: int, sample_n: int, seed: int
) -> _Gathered:
    """One pass over the results: what the report does not hold, and what the page lists."""
    histogram = [0] * HISTOGRAM_BINS
    groups: dict[str, dict[str, _Group]] = {name: {} for name in fields}
    worst: list[tuple[float, int, dict[str, Any]]] = []  # max-heap by (-score, -position)
    sample: list[tuple[int, int, dict[str, Any]]] = []  # max-heap by (-key, -position)
    keep_sampled = sample_n + worst_n  # some of the sampled may be among the worst
    position = -1
    for position, result in enumerate(results):
        score = result["score"]
        if score is not None:
            histogram[min(int(score // (100 / HISTOGRAM_BINS)), HISTOGRAM_BINS - 1)] += 1
            if worst_n and score < 100:
                item = (-score, -position, result)
                if len(worst) < worst_n:
                    heapq.heappush(worst, item)
                elif item[:2] > worst[0][:2]:
                    heapq.heapreplace(worst, item)
        if fields:
            rated = score is not None and result["grade"] is not None
            cents = round_half_even(score * 100) if rated else None
            passed = bool(result["passed"])
            credits = [
                (rule_id, round_half_even(rule["credit"] * MICRO))
                for rule_id, rule in result["rules"].items()
                if rule["credit"] is not None
            ]
            for name in fields:
                value = result.get(name)
                shown = "(none)" if value is None else str(value)
                group = groups[name].get(shown)
                if group is None:
                    group = groups[name][shown] = _Group()
                group.add(cents, passed, credits)
        if keep_sampled:
            key = _sample_key(str(result["id"]), seed)
            entry = (-key, -position, result)
            if len(sample) < keep_sampled:
                heapq.heappush(sample, entry)
            elif entry[:2] > sample[0][:2]:
                heapq.heapreplace(sample, entry)
    lowest = sorted(((-s, -p, r) for s, p, r in worst), key=lambda item: (item[0], item[1]))
    listed = {p for _, p, _ in lowest}
    sampled = sorted(((-k, -p, r) for k, p, r in sample), key=lambda item: (item[0], item[1]))
    picked = [(p, k, r) for k, p, r in sampled if p not in listed][:sample_n]
    picked.sort(key=lambda item: item[0])
    return _Gathered(histogram, groups, lowest, picked, position + 1)


# ---------------------------------------------------------------------------------------------
# Charts: inline SVG, each with a title for screen readers and its numbers in a table below


def _svg_open(chart_id: str, title: str, width: int, height: int) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-t">{h(title)}</title>'
    )


def _column_chart(
    chart_id: str, title: str, labels: list[str], values: list[int], colours: list[str]
) -> str:
    """Vertical bars, one per label, with its value above it."""
    width, height, left, bottom, top = 600, 230, 10, 32, 22
    slot = (width - left) / max(len(labels), 1)
    peak = max(values, default=0) or 1
    parts = [_svg_open(chart_id, title, width, height)]
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'class="axis"/>'
    )
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar = (height - bottom - top) * value / peak
        x = left + index * slot + slot * 0.15
        y = height - bottom - bar
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar:.1f}" '
            f'fill="{colours[index % len(colours)]}"><title>{h(label)}: {value:,}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" class="value">{value:,}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 20}" class="label">'
            f"{h(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _status_bars(chart_id: str, title: str, rules: list[dict[str, Any]]) -> str:
    """One horizontal bar per rule, its name above it, split into pass, partial, fail, n/a."""
    row_height, width = 46, 600
    height = row_height * len(rules) + 4
    parts = [_svg_open(chart_id, title, width, height)]
    for index, rule in enumerate(rules):
        y = index * row_height
        total = rule["applicable"] + rule["na"]
        parts.append(f'<text x="0" y="{y + 15}" class="rule-label">{h(rule["id"])}</text>')
        x = 0.0
        for status, key in (("pass", "passed"), ("partial", "partial"), ("fail", "failed")):
            x = _segment(parts, x, y + 21, rule[key], total, status, width)
        _segment(parts, x, y + 21, rule["na"], total, "na", width)
    parts.append("</svg>")
    return "".join(parts)


def _segment(
    parts: list[str], x: float, y: int, count: int, total: int, status: str, span: int
) -> float:
    if not total or not count:
        return x
    share = span * count / total
    parts.append(
        f'<rect x="{x:.1f}" y="{y}" width="{share:.1f}" height="20" '
        f'fill="{STATUS_COLOUR[status]}"><title>{STATUS_WORD[status]}: {count:,}</title></rect>'
    )
    return x + share


def _line_chart(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    top: float,
    tick: Any = None,
) -> str:
    """Lines over the periods, from 0 to `top`; a missing value breaks its line."""
    width, height, left, right, bottom, upper = 600, 250, 62, 12, 34, 12
    plot_w, plot_h = width - left - right, height - bottom - upper
    top = top or 1.0
    show_tick = tick or (lambda value: f"{value:g}")
    axis = _short_duration if tick is format_duration else show_tick

    def x_of(index: int) -> float:
        return left + (plot_w * index / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return upper + plot_h * (1 - value / top)

    parts = [_svg_open(chart_id, title, width, height)]
    for fraction in (0.0, 0.5, 1.0):
        y = y_of(top * fraction)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick">{h(axis(top * fraction))}'
            "</text>"
        )
    step = max(1, math.ceil(len(labels) / 6))
    for index in range(0, len(labels), step):
        anchor = ' style="text-anchor:end"' if index == len(labels) - 1 and index else ""
        parts.append(
            f'<text x="{x_of(index):.1f}" y="{height - 10}" class="label"{anchor}>'
            f"{h(labels[index])}</text>"
        )
    for number_, (name, values) in enumerate(series):
        colour = SERIES_COLOURS[number_ % len(SERIES_COLOURS)]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            point = (x_of(index), y_of(value))
            runs[-1].append(point)
            parts.append(
                f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{colour}">'
                f"<title>{h(name)} · {h(labels[index])}: {h(show_tick(value))}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{SERIES_COLOURS[n % len(SERIES_COLOURS)]}">'
        f"</span>{h(name)}</li>"
        for n, (name, _) in enumerate(series)
    )
    return "".join(parts) + f'<ul class="legend">{legend}</ul>'


# ---------------------------------------------------------------------------------------------
# Tables


def _cell(text: str, sort: Any = None, numeric: bool = True, attrs: str = "") -> str:
    key = f' data-sort="{h(sort)}"' if sort is not None else ""
    css = ' class="num"' if numeric else ""
    return f"<td{css}{key}{attrs}>{text}</td>"


def _head(*names: str, sortable: bool = False) -> str:
    if not sortable:
        return "<thead><tr>" + "".join(f"<th>{name}</th>" for name in names) + "</tr></thead>\n"
    return (
        "<thead><tr>"
        + "".join(f'<th><button type="button" class="sort">{name}</button></th>' for name in names)
        + "</tr></thead>\n"
    )


def _short_duration(seconds: float) -> str:
    """A duration short enough for an axis: 45s, 12m, 3.5h, 2.1d."""
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def _seconds(value: float | None) -> str:
    return "–" if value is None else format_duration(value)


# ---------------------------------------------------------------------------------------------
# The page


class HtmlFormat:
    needs_results = True

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        options = self.options
        fields = [name for name in GROUP_FIELDS if name not in report.groups]
        gathered = _gather(results, fields, options.worst, options.sample, options.seed)
        grading = Grading(report.rules["grades"], report.rules["pass_score"])
        rule_ids = [rule["id"] for rule in report.rules_summary]
        title = f"cs-score: {printable(report.rules['name'])}"
        yield (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
            f'<meta name="generator" content="cs-score {h(report.tool["version"])}">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        )
        yield from _header(report)
        yield _nav(report, gathered)
        yield "<main>\n"
        yield from _summary(report)
        yield from _gate(report)
        yield from _grades(report, gathered)
        yield from _rules(report)
        yield from _trends(report)
        groups: list[tuple[str, list[dict[str, Any]]]] = list(report.groups.items())
        for name in fields:
            rows = [
                group.row(value, rule_ids, grading)
                for value, group in sorted(gathered.groups[name].items())
            ]
            if any(row["value"] != "(none)" for row in rows):
                groups.append((name, rows))
        yield from _groups(groups, rule_ids)
        yield from _interactions(report, gathered, options)
        yield from _errors(report)
        yield "</main>\n"
        yield (
            f"<footer><p>Made by cs-score {h(report.tool['version'])} with the rule set "
            f"{h(report.rules['name'])} ({', '.join(h(s) for s in report.rules['sources'])})."
            "</p></footer>\n"
        )
        yield f"<script>{SCRIPT}</script>\n</body>\n</html>\n"


def _header(report: Report) -> Iterator[str]:
    verdict = "passed" if report.passed else "failed"
    yield (
        f'<header>\n<h1>{h(report.rules["name"])} <span class="verdict {verdict}" '
        f'id="verdict">gate {verdict}</span></h1>\n'
    )
    inputs = ", ".join(f"<code>{h(name)}</code>" for name in report.inputs) or "–"
    as_of = report.summary["as_of"]
    yield (
        f'<p class="meta">Inputs: {inputs} · as of {h(as_of or "–")} · time zone '
        f"{h(report.rules['timezone'])} · pass score {report.rules['pass_score']:g}</p>\n"
        "</header>\n"
    )


def _nav(report: Report, gathered: _Gathered) -> str:
    links = [("summary", "Summary"), ("grades", "Grades"), ("rules", "Rules")]
    if report.trends.get("rows"):
        links.append(("trends", "Trends"))
    links.append(("groups", "Groups"))
    links.append(("interactions", "Interactions"))
    if report.errors:
        links.append(("rejected", "Rejected lines"))
    items = "".join(f'<li><a href="#{anchor}">{name}</a></li>' for anchor, name in links)
    return f'<nav aria-label="Sections"><ul>{items}</ul></nav>\n'


def _figure(name: str, label: str, value: str, extra: str = "") -> str:
    return f'<div class="card"><dt>{label}</dt><dd data-figure="{name}">{value}</dd>{extra}</div>'


def _summary(report: Report) -> Iterator[str]:
    s = report.summary
    grade = f' <span class="grade" data-figure="grade">{h(s["grade"])}</span>' if s["grade"] else ""
    yield '<section id="summary">\n<h2>Summary</h2>\n<dl class="cards">'
    yield _figure("mean_score", "Mean score", two_decimals(s["mean_score"]) + grade)
    yield _figure(
        "pass_rate",
        "Pass rate",
        percent(s["pass_rate"]),
        f'<dd class="small">{s["passed"]:,} of {s["rated"]:,} rated</dd>',
    )
    for key, label in (
        ("read", "Read"),
        ("scored", "Scored"),
        ("rejected", "Rejected"),
        ("rated", "Rated"),
        ("unrated", "Unrated"),
        ("critical_failures", "Critical failures"),
    ):
        yield _figure(key, label, f"{s[key]:,}")
    yield "</dl>\n"
    for note in report.notes:
        yield f'<p class="note">Note: {h(note)}</p>\n'
    yield "</section>\n"


def _gate(report: Report) -> Iterator[str]:
    yield '<section id="gate">\n<h2>Gate</h2>\n<table class="data">'
    yield _head("", "condition", "value", "needs")
    yield "<tbody>"
    for condition in report.gate["conditions"]:
        value, needs = condition_parts(condition)
        mark = (
            '<span class="ok" title="passed">✔</span>'
            if condition["passed"]
            else '<span class="bad" title="failed">✘</span>'
        )
        yield (
            f'<tr data-condition="{h(condition["name"])}"><td>{mark}</td>'
            f"<td>{h(condition['name'])}</td>{_cell(h(value))}<td>{h(needs)}</td></tr>\n"
        )
    yield "</tbody></table>\n</section>\n"


def _grades(report: Report, gathered: _Gathered) -> Iterator[str]:
    s = report.summary
    grades = list(s["grade_counts"])
    counts = [s["grade_counts"][g] for g in grades]
    palette = ["#2e7d32", "#689f38", "#e0a000", "#ef6c00", "#c62828", "#8e0000"]
    colours = [palette[min(i * len(palette) // max(len(grades), 1), 5)] for i in range(len(grades))]
    yield '<section id="grades">\n<h2>Grades and scores</h2>\n<div class="pair"><div>'
    yield "<h3>Grade distribution</h3>"
    yield _column_chart(
        "chart-grades", "Interactions by grade (rated interactions)", grades, counts, colours
    )
    yield '<table class="data">' + _head("grade", "interactions", "share") + "<tbody>"
    for grade, n in zip(grades, counts, strict=True):
        share = f"{100 * n / s['rated']:.0f}%" if s["rated"] else "–"
        yield (
            f'<tr data-grade="{h(grade)}"><td>{h(grade)}</td>'
            + _cell(f"{n:,}", n, attrs=" data-count")
            + f"{_cell(share)}</tr>\n"
        )
    yield "</tbody></table></div><div>"
    width = 100 // HISTOGRAM_BINS
    labels = [f"{i * width}–{(i + 1) * width}" for i in range(HISTOGRAM_BINS)]
    yield "<h3>Score histogram</h3>"
    yield _column_chart(
        "chart-scores", "Interactions by score band", labels, gathered.histogram, ["#1f5fa8"]
    )
    yield '<table class="data">' + _head("score", "interactions") + "<tbody>"
    for index, (label, n) in enumerate(zip(labels, gathered.histogram, strict=True)):
        shown = label if index < HISTOGRAM_BINS - 1 else f"{label} (incl.)"
        yield f"<tr><td>{shown}</td>{_cell(f'{n:,}', n)}</tr>\n"
    yield "</tbody></table></div></div>\n</section>\n"


def _rules(report: Report) -> Iterator[str]:
    rules = report.rules_summary
    yield '<section id="rules">\n<h2>Rules</h2>\n'
    yield _status_bars("chart-rules", "Each rule: pass, partial, fail and n/a", rules)
    yield (
        '<ul class="legend">'
        + "".join(
            f'<li><span class="swatch" style="background:{STATUS_COLOUR[s]}"></span>'
            f"{STATUS_WORD[s]}</li>"
            for s in STATUS_COLOUR
        )
        + "</ul>"
    )
    yield '<div class="scroll"><table class="data" id="rules-table">'
    yield _head(
        "rule",
        "kind",
        "weight",
        "applicable",
        "pass",
        "partial",
        "fail",
        "n/a",
        "mean credit",
        "figures",
    )
    yield "<tbody>"
    for rule in rules:
        critical = ' <span class="critical">critical</span>' if rule["critical"] else ""
        na = "; ".join(f"{h(reason)} ({n:,})" for reason, n in rule["na_reasons"].items())
        yield (
            f'<tr data-rule="{h(rule["id"])}"><th scope="row">{h(rule["id"])}{critical}</th>'
            f"<td>{h(rule['kind'])}</td>{_cell(number(rule['weight']))}"
            + _cell(f"{rule['applicable']:,}")
            + _cell(f"{rule['passed']:,}", attrs=" data-passed")
            + _cell(f"{rule['partial']:,}")
            + _cell(f"{rule['failed']:,}")
            + f'<td class="num" title="{na}">{rule["na"]:,}</td>'
            + _cell(two_decimals(rule["mean_credit"]), attrs=" data-mean-credit")
            + f'<td class="figures">{h(rule_figures(rule))}</td></tr>\n'
        )
    yield "</tbody></table></div>\n</section>\n"


def _trends(report: Report) -> Iterator[str]:
    trends = report.trends
    rows: list[dict[str, Any]] = trends.get("rows", [])
    if not rows:
        return
    period = trends["period"]
    labels = [row["start"] for row in rows]
    if len({label[:4] for label in labels}) == 1:  # one year: month and day say enough
        labels = [label[5:] for label in labels]
    rule_ids = [rule["id"] for rule in report.rules_summary]
    waits = [rule["id"] for rule in report.rules_summary if rule["kind"] == "wait_time"]
    by = "day" if period == "day" else "week (from Monday)"
    yield f'<section id="trends">\n<h2>Trends by {by}</h2>\n'
    if trends.get("undated"):
        yield (
            f'<p class="note">{trends["undated"]:,} interaction(s) have no start time and are '
            "not in the trends.</p>\n"
        )
    yield '<div class="pair"><div><h3>Mean score and pass rate</h3>'
    yield _line_chart(
        "chart-trend-score",
        f"Mean score and pass rate by {period}",
        labels,
        [
            ("mean score", [row["mean_score"] for row in rows]),
            ("pass rate %", [row["pass_rate"] for row in rows]),
        ],
        100.0,
    )
    yield "</div><div><h3>Mean credit of each rule</h3>"
    yield _line_chart(
        "chart-trend-rules",
        f"Each rule's mean credit (in %) by {period}",
        labels,
        [
            (
                rule_id,
                [
                    None
                    if row["rules"][rule_id]["mean_credit"] is None
                    else round(100 * row["rules"][rule_id]["mean_credit"], 2)
                    for row in rows
                ],
            )
            for rule_id in rule_ids
        ],
        100.0,
    )
    yield "</div>"
    for rule_id in waits:
        medians = [row["rules"][rule_id]["metrics"].get("median_wait_seconds") for row in rows]
        p90s = [row["rules"][rule_id]["metrics"].get("p90_wait_seconds") for row in rows]
        peak = max((v for v in p90s if v is not None), default=0.0)
        yield f"<div><h3>Wait ({h(rule_id)}): median and p90</h3>"
        yield _line_chart(
            f"chart-trend-wait-{len(rule_id)}-{_slug(rule_id)}",
            f"Wait median and p90 of {printable(rule_id)} by {period}",
            labels,
            [("median", medians), ("p90", p90s)],
            peak * 1.1,
            format_duration,
        )
        yield "</div>"
    yield "</div>\n"
    heads = [period, "interactions", "mean score", "pass rate"]
    heads += [f"{h(rule_id)} credit" for rule_id in rule_ids]
    for rule_id in waits:
        heads += [f"{h(rule_id)} median", f"{h(rule_id)} p90"]
    if any(row["count"] < FEW for row in rows):
        yield (
            f'<p class="note">{period.capitalize()}s of fewer than {FEW} interactions are '
            "greyed in the table: too few to read a trend from.</p>\n"
        )
    yield '<div class="scroll"><table class="data" id="trends-table">'
    yield _head(*heads, sortable=True) + "<tbody>"
    for row in rows:
        cells = [
            f'<td class="period">{h(row["start"])}</td>',
            _cell(f"{row['count']:,}", row["count"]),
            _cell(two_decimals(row["mean_score"]), _sortable(row["mean_score"])),
            _cell(percent(row["pass_rate"]), _sortable(row["pass_rate"])),
        ]
        for rule_id in rule_ids:
            credit = row["rules"][rule_id]["mean_credit"]
            cells.append(_cell(two_decimals(credit), _sortable(credit)))
        for rule_id in waits:
            metrics = row["rules"][rule_id]["metrics"]
            for key in ("median_wait_seconds", "p90_wait_seconds"):
                cells.append(_cell(_seconds(metrics.get(key)), _sortable(metrics.get(key))))
        few = ' class="few"' if row["count"] < FEW else ""
        yield f"<tr{few}>" + "".join(cells) + "</tr>\n"
    yield "</tbody></table></div>\n</section>\n"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def _sortable(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _groups(groups: list[tuple[str, list[dict[str, Any]]]], rule_ids: list[str]) -> Iterator[str]:
    yield '<section id="groups">\n<h2>Groups</h2>\n'
    if not groups:
        yield "<p>The interactions name no agent, team or channel.</p>\n</section>\n"
        return
    yield (
        f'<p class="note">Groups of fewer than {FEW} interactions are greyed: too few to be a '
        "trend. Click a column's name to sort.</p>\n"
    )
    for spec, all_rows in groups:
        yield f"<h3>By {h(spec)}</h3>\n"
        rows = all_rows
        if len(all_rows) > MAX_GROUP_ROWS:
            largest = sorted(all_rows, key=lambda row: (-row["count"], row["value"]))
            rows = sorted(largest[:MAX_GROUP_ROWS], key=lambda row: row["value"])
            yield (
                f'<p class="note">The {MAX_GROUP_ROWS:,} largest of {len(all_rows):,} groups '
                "(every group is in <code>--format json</code> with <code>--group-by</code>)."
                "</p>\n"
            )
        yield '<div class="scroll"><table class="data sortable">'
        yield _head(
            h(spec),
            "interactions",
            "mean score",
            "grade",
            "pass rate",
            *(h(rule_id) for rule_id in rule_ids),
            sortable=True,
        )
        yield "<tbody>"
        for row in rows:
            few = ' class="few"' if row["count"] < FEW else ""
            yield (
                f"<tr{few}><td>{h(row['value'])}</td>"
                + _cell(f"{row['count']:,}", row["count"])
                + f"{_cell(two_decimals(row['mean_score']), _sortable(row['mean_score']))}"
                f"<td>{h(row['grade'] or '–')}</td>"
                f"{_cell(percent(row['pass_rate']), _sortable(row['pass_rate']))}"
                + "".join(
                    _cell(two_decimals(row["rules"].get(r)), _sortable(row["rules"].get(r)))
                    for r in rule_ids
                )
                + "</tr>\n"
            )
        yield "</tbody></table></div>\n"
    yield "</section>\n"


def _interactions(report: Report, gathered: _Gathered, options: FormatOptions) -> Iterator[str]:
    total = gathered.count
    yield '<section id="interactions">\n<h2>Interactions</h2>\n'
    yield (
        f'<p class="note" id="listing">All figures above cover all {total:,} interactions. '
        f"Listed here: the {len(gathered.worst):,} lowest-scoring (at most {options.worst:,}) "
        f"and a sample of {len(gathered.sample):,} others (at most {options.sample:,}, "
        f"seed {options.seed}). Open one to see how it was scored.</p>\n"
    )
    listed = [("worst", r) for _, _, r in gathered.worst] + [
        ("sample", r) for _, _, r in gathered.sample
    ]
    if not listed:
        yield "</section>\n"
        return
    yield from _filters(report, listed)
    pass_score = float(report.rules["pass_score"])
    grades = report.rules["grades"]
    yield '<div id="interaction-list">'
    for heading, which in (("Lowest scores", "worst"), ("Sample", "sample")):
        items = [result for kind, result in listed if kind == which]
        if not items:
            continue
        yield f'<h3 class="list-head">{heading}</h3>'
        for result in items:
            yield _interaction(result, which, pass_score, grades)
    yield '</div><p id="no-match" hidden>No listed interaction matches.</p>\n</section>\n'


def _filters(report: Report, listed: list[tuple[str, dict[str, Any]]]) -> Iterator[str]:
    def options_of(values: Iterable[Any]) -> str:
        return "".join(
            f'<option value="{h(v)}">{h(v)}</option>' for v in sorted({str(v) for v in values})
        )

    results = [r for _, r in listed]
    grades = [g for g in report.summary["grade_counts"] if any(r["grade"] == g for r in results)]
    rule_ids = [rule["id"] for rule in report.rules_summary]
    yield (
        '<form class="filters" id="filters" hidden role="search" '
        'onsubmit="return false">'
        '<label>Search <input type="search" id="f-text" placeholder="id, agent, reason…"></label>'
        f'<label>Agent <select id="f-agent"><option value="">all</option>'
        f"{options_of(r['agent'] for r in results if r.get('agent') is not None)}</select></label>"
        f'<label>Channel <select id="f-channel"><option value="">all</option>'
        f"{options_of(r['channel'] for r in results if r.get('channel') is not None)}"
        "</select></label>"
        '<label>Grade <select id="f-grade"><option value="">all</option>'
        + "".join(f'<option value="{h(g)}">{h(g)}</option>' for g in grades)
        + '</select></label><label>Rule failed <select id="f-rule">'
        '<option value="">any</option>'
        + "".join(f'<option value="{h(r)}">{h(r)}</option>' for r in rule_ids)
        + '</select></label><output id="f-count"></output></form>\n'
    )


_MARKED_KEYS: Final = ("phrase", "phrases", "matched", "match")


def _phrases(evidence: Any) -> set[str]:
    """The phrases a rule matched, wherever its evidence names them."""
    found: set[str] = set()
    if isinstance(evidence, dict):
        for key, value in evidence.items():
            if key in _MARKED_KEYS and isinstance(value, str) and value.strip():
                found.add(value)
            elif key in _MARKED_KEYS and isinstance(value, list):
                found.update(v for v in value if isinstance(v, str) and v.strip())
            else:
                found |= _phrases(value)
    elif isinstance(evidence, list):
        for value in evidence:
            found |= _phrases(value)
    return found


def _marked(line: str, phrases: set[str]) -> str:
    """An evidence line, escaped, with each matched phrase in it marked."""
    text = printable(line)
    if not phrases:
        return html.escape(text)
    pattern = re.compile(
        "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)), re.IGNORECASE
    )
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _interaction(
    result: dict[str, Any], which: str, pass_score: float, grades: dict[str, float]
) -> str:
    rules: dict[str, dict[str, Any]] = result["rules"]
    failed = [rule_id for rule_id, rule in rules.items() if rule["status"] == "fail"]
    lost = [
        f"{rule_id}: {rule['reason']}"
        for rule_id, rule in rules.items()
        if rule["status"] in ("fail", "partial")
    ]
    who = " · ".join(printable(result[name]) for name in GROUP_FIELDS if result.get(name))
    search = " ".join([str(result["id"]), who, *lost]).lower()
    grade = result["grade"] or "–"
    source = result["source"]
    head = (
        f'<details class="ix" data-which="{which}" data-id="{h(result["id"])}" '
        f'data-agent="{h(result.get("agent") or "")}" '
        f'data-channel="{h(result.get("channel") or "")}" data-grade="{h(result["grade"] or "")}" '
        f'data-failed="{h(" ".join(failed))}" data-search="{h(search)}">'
        f'<summary><span class="ix-id">{h(result["id"])}</span>'
        f'<span class="ix-score" data-score>{two_decimals(result["score"])}</span>'
        f'<span class="grade">{h(grade)}</span><span class="ix-who">{h(who)}</span>'
        f'<span class="ix-lost">{h(lost[0] if lost else "no points lost")}</span></summary>'
    )
    body = [
        f'<div class="ix-body"><p class="meta">{h(source["file"])}:{source["line"]}'
        + "".join(
            f" · {name} {h(result[name])}"
            for name in ("agent", "team", "channel", "case")
            if result.get(name)
        )
        + "</p>",
        f"<p>Score <b>{two_decimals(result['score'])}</b>{_band(result['grade'], grades)} · "
        f"{h(_verdict(result, pass_score))}</p>",
    ]
    counted = [(rule_id, rule) for rule_id, rule in rules.items() if rule["credit"] is not None]
    weighted = {rule_id: round(rule["weight"] * rule["credit"], 3) for rule_id, rule in counted}
    body.append(
        '<div class="scroll"><table class="data rules">'
        + _head("rule", "status", "credit", "weight", "weight × credit", "reason")
        + "<tbody>"
    )
    for rule_id, rule in rules.items():
        critical = (
            ' <span class="critical">critical</span>'
            if rule_id == result["critical_failure"]
            else ""
        )
        status = rule["status"]
        body.append(
            f'<tr data-rule="{h(rule_id)}"><td>{h(rule_id)}{critical}</td>'
            f'<td><span class="status {h(status)}">{h(STATUS_WORD.get(status, status))}</span>'
            f"</td>{_cell(number(rule['credit']))}{_cell(number(rule['weight']))}"
            f"{_cell(number(weighted.get(rule_id)))}"
            f'<td class="reason">{h(rule["reason"])}</td></tr>\n'
        )
    body.append("</tbody></table></div>")
    body.append(
        "<h4>How the score was computed</h4><pre>"
        + html.escape("\n".join(_arithmetic(result, counted, weighted)))
        + "</pre>"
    )
    evidence = [(rule_id, rule) for rule_id, rule in rules.items() if rule["evidence"]]
    if evidence:
        body.append("<h4>Evidence</h4>")
        for rule_id, rule in evidence:
            phrases = _phrases(rule["evidence"])
            lines = "\n".join(_marked(line, phrases) for line in evidence_lines(rule["evidence"]))
            body.append(
                f'<h5><span class="status {h(rule["status"])}">{h(rule_id)}</span></h5>'
                f'<pre class="evidence">{lines}</pre>'
            )
    body.append("</div></details>")
    return head + "".join(body) + "\n"


def _band(grade: str | None, grades: dict[str, float]) -> str:
    if grade is None:
        return ""
    if grade in grades:
        return f" · grade {h(grade)} (score ≥ {grades[grade]:g})"
    return f" · grade {h(grade)} (below {min(grades.values(), default=0.0):g})"


def _verdict(result: dict[str, Any], pass_score: float) -> str:
    if result["passed"] is None:
        return "unrated: no rule could score it (left out of the mean and the pass rate)"
    if result["passed"]:
        return f"passed (score ≥ {pass_score:g} and no failed critical rule)"
    if result["critical_failure"] is not None:
        return f"did not pass: critical rule {printable(result['critical_failure'])} failed"
    return f"did not pass: score {result['score']:.2f} is below the pass score {pass_score:g}"


def _arithmetic(
    result: dict[str, Any],
    counted: list[tuple[str, dict[str, Any]]],
    weighted: dict[str, float],
) -> list[str]:
    lines: list[str] = []
    if not counted:
        lines.append("Every rule was n/a: the interaction has no score and no grade.")
    else:
        # Credits come rounded to 4 decimals (1/3 as 0.3333): the sum is shown to 3, as the
        # unrounded credits make it.
        sum_weighted = number(round(sum(weighted.values()), 3))
        sum_weight = number(sum(rule["weight"] for _, rule in counted))
        terms = " + ".join(number(weighted[rule_id]) for rule_id, _ in counted)
        weights = " + ".join(number(rule["weight"]) for _, rule in counted)
        total_weight = sum(rule["weight"] for _, rule in counted)
        mean = (
            two_decimals(round(100 * sum(weighted.values()) / total_weight, 2))
            if total_weight
            else "–"
        )
        lines.append(f"Σ weight × credit = {terms} = {sum_weighted}")
        lines.append(f"Σ weight          = {weights} = {sum_weight}")
        lines.append(f"score             = 100 × {sum_weighted} / {sum_weight} = {mean}")
        critical = result["critical_failure"]
        if critical is not None:
            lines.append(
                f"The critical rule {printable(critical)} failed, so the score is 0 (not {mean})."
            )
    for rule_id, rule in result["rules"].items():
        if rule["credit"] is None:
            lines.append(
                f"Not counted: {printable(rule_id)} (weight {number(rule['weight'])}) is n/a: "
                f"{printable(rule['reason'])}"
            )
    return lines


def _errors(report: Report) -> Iterator[str]:
    if not report.errors:
        return
    yield f'<section id="rejected">\n<h2>Rejected lines ({len(report.errors):,})</h2>\n'
    yield '<table class="data">' + _head("line", "reason") + "<tbody>"
    for error in report.errors[:MAX_ERRORS_SHOWN]:
        yield f"<tr><td>{h(error['file'])}:{error['line']}</td><td>{h(error['reason'])}</td></tr>\n"
    yield "</tbody></table>"
    if len(report.errors) > MAX_ERRORS_SHOWN:
        more = len(report.errors) - MAX_ERRORS_SHOWN
        yield f"<p>… and {more:,} more (all are listed by <code>--format json</code>).</p>"
    yield "\n</section>\n"


STYLE: Final = """
:root{--fg:#1d232b;--muted:#5b6570;--line:#d8dde3;--bg:#fff;--soft:#f4f6f8;--accent:#1f5fa8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
header,main,footer,nav{max-width:1180px;margin:0 auto;padding:0 16px}
header{padding-top:18px}
h1{font-size:1.5em;margin:0 0 4px;display:flex;flex-wrap:wrap;gap:10px;align-items:center}
h2{font-size:1.2em;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:1em;margin:16px 0 6px}
h4{font-size:.95em;margin:12px 0 4px}
h5{font-size:.9em;margin:8px 0 2px}
.meta,.note,.small,footer{color:var(--muted);font-size:.9em}
.verdict{font-size:.6em;padding:3px 10px;border-radius:12px;color:#fff;font-weight:600}
.verdict.passed{background:#2e7d32}.verdict.failed{background:#c62828}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:8px 0;margin:0;
border-bottom:1px solid var(--line)}
nav a{color:var(--accent);text-decoration:none}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:10px;margin:0}
.card{background:var(--soft);border-radius:8px;padding:10px 12px}
.card dt{color:var(--muted);font-size:.85em}
.card dd{margin:2px 0 0;font-size:1.45em;font-weight:600}
.card dd.small{font-size:.8em;font-weight:400;color:var(--muted)}
.grade{display:inline-block;min-width:1.6em;text-align:center;padding:0 4px;border-radius:4px;
background:#e3e8ee;font-weight:600;font-size:.9em}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(440px,100%),1fr));
gap:8px 28px}
.chart{width:100%;height:auto;max-width:640px;display:block}
.chart text{font-size:12px;fill:var(--fg)}
.chart .label,.chart .value{text-anchor:middle}
.chart .tick{text-anchor:end}
.chart .axis{stroke:#8a949e}.chart .grid{stroke:#e3e8ee}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:4px 0 10px;
font-size:.85em}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px}
.scroll{overflow-x:auto}
table.data{border-collapse:collapse;margin:6px 0 14px;font-size:.9em}
.data th,.data td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;
vertical-align:top}
.data thead th{background:var(--soft);white-space:nowrap}
.data td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.data td.figures{color:var(--muted);min-width:16em}
.data td.period{white-space:nowrap}
#rules-table{width:100%}
.data tr.few td{color:#98a1aa}
button.sort{all:unset;cursor:pointer}
button.sort::after{content:" ⇅";color:#98a1aa}
.ok{color:#2e7d32}.bad{color:#c62828}
.critical{font-size:.75em;color:#c62828;border:1px solid #c62828;border-radius:4px;padding:0 3px}
.status{padding:0 5px;border-radius:4px;color:#fff;background:#9e9e9e}
.status.pass{background:#2e7d32}.status.partial{background:#b07d00}.status.fail{background:#c62828}
.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:end;background:var(--soft);
padding:10px;border-radius:8px;margin-bottom:10px}
.filters label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted)}
.filters input,.filters select{font:inherit;padding:3px 4px}
details.ix{border:1px solid var(--line);border-radius:6px;margin:5px 0}
details.ix summary{display:grid;grid-template-columns:9em 4.5em 2.5em minmax(8em,14em) 1fr;
gap:8px;padding:6px 10px;cursor:pointer;align-items:baseline}
.ix-id{font-weight:600;overflow-wrap:anywhere}
.ix-score{text-align:right;font-variant-numeric:tabular-nums}
.ix-who,.ix-lost{color:var(--muted);overflow-wrap:anywhere}
.ix-body{padding:4px 12px 10px;border-top:1px solid var(--line)}
pre{background:var(--soft);padding:8px;border-radius:6px;white-space:pre-wrap;
overflow-wrap:anywhere;font-size:.85em}
mark{background:#ffe58a;padding:0 1px}
td.reason{overflow-wrap:anywhere;min-width:14em}
footer{padding:24px 16px}
@media (max-width:640px){
.chart text{font-size:17px}
.chart .label{font-size:14px}
details.ix summary{grid-template-columns:1fr auto auto}
.ix-who,.ix-lost{grid-column:1/-1}
.card dd{font-size:1.2em}
}
@media print{nav,.filters{display:none}details.ix{break-inside:avoid}body{font-size:12px}}
"""

SCRIPT: Final = """
(function(){
"use strict";
function key(cell){
  var v=cell.getAttribute("data-sort");
  if(v===null){return cell.textContent.trim().toLowerCase();}
  return v===""?-Infinity:parseFloat(v);
}
document.querySelectorAll("button.sort").forEach(function(button){
  button.addEventListener("click",function(){
    var th=button.parentNode,row=th.parentNode,table=row.closest("table");
    var column=Array.prototype.indexOf.call(row.children,th);
    var down=th.getAttribute("aria-sort")!=="descending";
    row.querySelectorAll("th").forEach(function(other){other.removeAttribute("aria-sort");});
    th.setAttribute("aria-sort",down?"descending":"ascending");
    var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=key(a.cells[column]),y=key(b.cells[column]);
      var order=x<y?-1:x>y?1:0;
      return down?-order:order;
    });
    rows.forEach(function(r){body.appendChild(r);});
  });
});
var form=document.getElementById("filters");
if(form){
  form.hidden=false;
  var items=Array.prototype.slice.call(document.querySelectorAll("details.ix"));
  var text=document.getElementById("f-text"),agent=document.getElementById("f-agent"),
    channel=document.getElementById("f-channel"),grade=document.getElementById("f-grade"),
    rule=document.getElementById("f-rule"),count=document.getElementById("f-count");
  var apply=function(){
    var words=text.value.toLowerCase().split(/\\s+/).filter(Boolean),shown=0;
    items.forEach(function(item){
      var d=item.dataset,ok=words.every(function(w){return d.search.indexOf(w)>=0;})
        &&(!agent.value||d.agent===agent.value)&&(!channel.value||d.channel===channel.value)
        &&(!grade.value||d.grade===grade.value)
        &&(!rule.value||(" "+d.failed+" ").indexOf(" "+rule.value+" ")>=0);
      item.hidden=!ok;if(ok){shown++;}
    });
    count.textContent=shown+" of "+items.length+" listed";
    document.getElementById("no-match").hidden=shown>0;
  };
  [text,agent,channel,grade,rule].forEach(function(el){
    el.addEventListener("input",apply);el.addEventListener("change",apply);
  });
  apply();
}
window.addEventListener("beforeprint",function(){
  document.querySelectorAll("details.ix").forEach(function(d){d.open=true;});
});
})();
"""
