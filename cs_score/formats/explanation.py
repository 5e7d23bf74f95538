"""`cs-score explain`: one interaction, every rule, its evidence and the score's arithmetic.

`text` (default) is for people: who and where, the score with its grade and verdict, a table of
every rule (status, credit, weight, weight × credit, reason), how the score was computed
(Σ weight × credit / Σ weight over the rules that could score it, the n/a rules and why, a
failed critical rule), then each rule's evidence. `json` is the same as one document: the
interaction result exactly as `evaluate --format json` gives it, plus `computation`.

Text from records is shown as text, as in the `table` report: rich markup is not interpreted,
control characters are shown as escapes.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from cs_score.formats.base import FormatOptions, number, printable, two_decimals
from cs_score.formats.table import text_console

STATUS_STYLE = {"pass": "green", "partial": "yellow", "fail": "red", "na": "dim"}
STATUS_WORD = {"pass": "pass", "partial": "partial", "fail": "fail", "na": "n/a"}
FIELDS = ("channel", "agent", "team", "case")


class ExplainFormatName(StrEnum):
    """The names `explain --format` accepts."""

    text = "text"
    json = "json"


def _scalar(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return printable(value)


def evidence_lines(value: Any, indent: str = "") -> list[str]:
    """Evidence as indented `key: value` lines, lists as `- item` (nested data kept nested)."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{indent}{printable(key)}:")
                lines.extend(evidence_lines(item, indent + "  "))
            else:
                shown = "none" if isinstance(item, dict | list) else _scalar(item)
                lines.append(f"{indent}{printable(key)}: {shown}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = evidence_lines(item, indent + "  ")
                lines.append(f"{indent}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{indent}- {_scalar(item)}")
    else:
        lines.append(f"{indent}{_scalar(value)}")
    return lines


def _grade_band(grade: str | None, grades: dict[str, float]) -> str:
    if grade is None:
        return ""
    if grade in grades:
        return f"grade {grade} (score ≥ {grades[grade]:g})"
    lowest = min(grades.values(), default=0.0)
    return f"grade {grade} (below {lowest:g})"


def _verdict(computation: dict[str, Any]) -> str:
    pass_score = computation["pass_score"]
    if computation["passed"] is None:
        return "unrated: no rule could score it (left out of the mean and the pass rate)"
    if computation["passed"]:
        return f"passed (score ≥ {pass_score:g} and no failed critical rule)"
    if computation["critical_failure"] is not None:
        return f"did not pass: critical rule {printable(computation['critical_failure'])} failed"
    return f"did not pass: score {computation['score']:.2f} is below the pass score {pass_score:g}"


def render_json(explanation: dict[str, Any]) -> str:
    """The explanation as one JSON document."""
    return json.dumps(explanation, ensure_ascii=False, indent=2) + "\n"


def render_text(explanation: dict[str, Any], options: FormatOptions) -> str:
    """The explanation for people, rendered with rich (colour only when asked for)."""
    buffer = io.StringIO()
    console = text_console(buffer, options)
    for part in _text_parts(explanation, options.width):
        console.print(part)
    # rich pads every line of a table to its width: piped, that is trailing spaces
    return "\n".join(line.rstrip(" ") for line in buffer.getvalue().split("\n"))


def _text_parts(explanation: dict[str, Any], width: int) -> Iterator[Text | Table | str]:
    interaction = explanation["interaction"]
    computation = explanation["computation"]
    source = interaction["source"]
    head = Text(printable(interaction["id"]), style="bold")
    head.append(f" · {printable(source['file'])}:{source['line']}", style="dim")
    yield head
    who = " · ".join(
        f"{name} {printable(interaction[name])}" for name in FIELDS if interaction.get(name)
    )
    if who:
        yield Text(who)
    context = f"Rule set: {printable(explanation['rules']['name'])}"
    if explanation["as_of"]:
        context += f" · as of {explanation['as_of']}"
    yield Text(context, style="dim")
    yield ""
    score = Text("Score ")
    score.append(two_decimals(computation["score"]), style="bold")
    band = _grade_band(computation["grade"], explanation["rules"]["grades"])
    if band:
        score.append(f" · {band}")
    yield score
    yield Text(_verdict(computation))
    yield ""
    yield _rules_table(interaction, computation)
    yield ""
    yield Text("How the score was computed", style="bold")
    yield from _arithmetic(computation)
    yield ""
    yield Text("Evidence", style="bold")
    for rule_id, rule in interaction["rules"].items():
        if not rule["evidence"]:
            continue
        yield Text(f"  {printable(rule_id)}", style=STATUS_STYLE.get(rule["status"], ""))
        for line in evidence_lines(rule["evidence"], "    "):
            # Long values wrap under their key rather than at the margin.
            hanging = " " * (len(line) - len(line.lstrip()) + 2)
            yield Text(textwrap.fill(line, width=max(width - 1, 40), subsequent_indent=hanging))


def _rules_table(interaction: dict[str, Any], computation: dict[str, Any]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("rule", no_wrap=True)
    table.add_column("status")
    for header in ("credit", "weight", "weight × credit"):
        table.add_column(header, justify="right")
    table.add_column("reason")
    weighted = {entry["rule"]: entry["weighted_credit"] for entry in computation["counted"]}
    for rule_id, rule in interaction["rules"].items():
        name = Text(printable(rule_id))
        if rule_id == computation["critical_failure"]:
            name.append(" (critical)", style="red")
        table.add_row(
            name,
            Text(
                STATUS_WORD.get(rule["status"], rule["status"]),
                style=STATUS_STYLE.get(rule["status"], ""),
            ),
            number(rule["credit"]),
            number(rule["weight"]),
            number(weighted.get(rule_id)),
            Text(printable(rule["reason"])),
        )
    return table


def _arithmetic(computation: dict[str, Any]) -> Iterator[Text]:
    counted = computation["counted"]
    if not counted:
        yield Text("  Every rule was n/a: the interaction has no score and no grade.")
    else:
        sum_weighted = number(computation["sum_weighted_credit"])
        sum_weight = number(computation["sum_weight"])
        terms = " + ".join(number(entry["weighted_credit"]) for entry in counted)
        weights = " + ".join(number(entry["weight"]) for entry in counted)
        yield Text(f"  Σ weight × credit = {terms} = {sum_weighted}")
        yield Text(f"  Σ weight          = {weights} = {sum_weight}")
        shown_mean = two_decimals(computation["weighted_mean"])
        yield Text(f"  score             = 100 × {sum_weighted} / {sum_weight} = {shown_mean}")
        critical = computation["critical_failure"]
        if critical is not None:
            yield Text(
                f"  The critical rule {printable(critical)} failed, so the score is 0 "
                f"(not {shown_mean}).",
                style="red",
            )
    for entry in computation["not_applicable"]:
        yield Text(
            f"  Not counted: {printable(entry['rule'])} (weight {number(entry['weight'])}) "
            f"is n/a: {printable(entry['reason'])}",
            style="dim",
        )
