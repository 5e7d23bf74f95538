"""The interface every output format implements, its options, and text made safe to show.

Kept apart from the registry in `__init__` so that format modules can import it without an
import cycle.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from cs_score.durations import format_duration
from cs_score.jsonline import one_line
from cs_score.report import Report


@dataclass(frozen=True)
class FormatOptions:
    """How the person or program reading the output wants it."""

    color: bool = False
    width: int = 100
    details: bool = False
    raw_csv: bool = False
    """csv: text cells exactly as recorded, without the spreadsheet-safe `'` (see formats/csv)."""
    worst: int = 50
    """`html`: how many of the lowest-scoring interactions the page lists."""
    sample: int = 100
    """`html`: how many other interactions the page lists, drawn by `seed`."""
    seed: int = 0
    """`html`: which sample is drawn (the same seed draws the same interactions)."""


class Format(Protocol):
    """Renders a report (and, if it needs them, every interaction result) as text.

    `results` are the interaction results in input order, as plain dicts (the items of the
    JSON report's `interactions`). They may be read more than once: a format that must write
    counts before the items (JUnit) reads them twice rather than holding them in memory.
    """

    needs_results: bool

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]: ...


def json_texts(results: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Each result as one line of compact JSON, `json.dumps(result, ensure_ascii=False,
    separators=(",", ":"))` with U+2028, U+2029 and U+0085 escaped (see `cs_score.jsonline`).
    Results that already hold that text (a run's stored results,
    through `json_texts()`) hand it over as it is, without a decode and an encode."""
    stored = getattr(results, "json_texts", None)
    if stored is not None:
        yield from stored()
        return
    for result in results:
        yield one_line(json.dumps(result, ensure_ascii=False, separators=(",", ":")))


# Characters that would act rather than show: controls (C0, DEL, C1: escape sequences, bell,
# NUL), format characters (bidirectional overrides, zero-width spaces), line and paragraph
# separators and lone surrogates. The zero-width joiners are kept: scripts and emoji need them.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_KEPT = frozenset({"\u200c", "\u200d"})


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(value: Any) -> str:
    """Record text as text: characters that would act on a terminal are shown as escapes.

    `\\x1b[2J` arrives as the four visible characters `\\x1b` then `[2J`, a newline as `\\n`;
    letters, accents, spaces of every kind and emoji are kept as they are. Markup in the text
    (`[bold]`, `<b>`, `**x**`) is left alone here: each format makes it inert its own way.
    """
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(
        _escape(char)
        if (unicodedata.category(char) in _HIDDEN_CATEGORIES and char not in _KEPT)
        or char in "\ufffe\uffff"
        else char
        for char in text
    )


# ---------------------------------------------------------------------------------------------
# Figures and verdicts worded the same way in every format for people


def _seconds(value: float | None) -> str:
    return "–" if value is None else format_duration(value)


def _wait_figures(m: dict[str, Any]) -> str:
    parts = []
    if m.get("waits"):
        parts.append(
            f"mean {_seconds(m['mean_wait_seconds'])} · median {_seconds(m['median_wait_seconds'])}"
            f" · p90 {_seconds(m['p90_wait_seconds'])} · {m['within_target_rate']:g}% within target"
        )
    if m.get("abandoned"):
        parts.append(
            f"abandoned {m['abandoned']} ({m['abandon_rate']:g}%)"
            f" after {_seconds(m['mean_abandon_seconds'])} on average"
        )
    return " · ".join(parts)


def _promise_figures(m: dict[str, Any]) -> str:
    if not m.get("made"):
        return ""
    text = (
        f"made {m['made']} · kept {m['kept']} · broken {m['broken']}"
        f" ({m['notified']} notified) · pending {m['pending']}"
    )
    found = m.get("from_text") or {}
    if found.get("made"):
        text += (
            f" · of them from text: made {found['made']} · kept {found['kept']}"
            f" · broken {found['broken']} · pending {found['pending']}"
        )
    return text


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


def _repeat_figures(m: dict[str, Any]) -> str:
    if not m.get("rated"):
        return ""
    text = f"repeats {m['repeats']} of {m['rated']} ({m['repeat_rate']:g}%)"
    if m.get("median_return_seconds") is not None:
        text += f" · median return after {_seconds(m['median_return_seconds'])}"
    return text


def _transfer_figures(m: dict[str, Any]) -> str:
    if not m.get("rated"):
        return ""
    return f"mean {m['mean_agents']:g} agents · over the limit {m['over_max_agents']}"


_FIGURES: dict[str, Callable[[dict[str, Any]], str]] = {
    "wait_time": _wait_figures,
    "promises": _promise_figures,
    "product_quality": _product_figures,
    "resolution": _resolution_figures,
    "conduct": _conduct_figures,
    "response_time": _response_figures,
    "escalation": _escalation_figures,
    "closing": _closing_figures,
    "phrase": _phrase_figures,
    "repeat_contact": _repeat_figures,
    "transfers": _transfer_figures,
}


STATUS_MARK = {"pass": "✔", "partial": "◐", "fail": "✘", "na": "·"}
"""How a rule's status is marked in tables of interactions."""


def number(value: float | None) -> str:
    """A weight or count as shown in reports: "3", "0.5", or "–" when there is none."""
    return "–" if value is None else f"{value:g}"


def two_decimals(value: float | None) -> str:
    """A score or credit as shown in reports: two decimals, or "–" when there is none."""
    return "–" if value is None else f"{value:.2f}"


def percent(value: float | None) -> str:
    """A rate as shown in reports: "71.92%", or "–" when there is none."""
    return "–" if value is None else f"{value:g}%"


def rule_figures(rule: dict[str, Any]) -> str:
    """A rule kind's own figures in one line (mean wait, promises kept …), or ""."""
    describe = _FIGURES.get(rule["kind"])
    return describe(rule["metrics"]) if describe else ""


def condition_parts(condition: dict[str, Any]) -> tuple[str, str]:
    """A gate condition's measured value and what it needs, as text: ("69.85", "≥ 70")."""
    name = condition["name"]
    comparison = "≤" if name.startswith("max_") or name.endswith("gate_mean") else "≥"
    value = condition["value"]
    shown = "–" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
    threshold = condition["threshold"]
    shown_threshold = f"{threshold:g}" if isinstance(threshold, float) else str(threshold)
    return shown, f"{comparison} {shown_threshold}"
