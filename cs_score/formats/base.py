"""The interface every output format implements, its options, and text made safe to show.

Kept apart from the registry in `__init__` so that format modules can import it without an
import cycle.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from cs_score import checks
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
    """A rule kind's own figures in one line (mean wait, promises kept …), or "": the kind's
    module words them (`figures`), next to the `Stats.summary` that names them."""
    return checks.figures(rule["kind"], rule["metrics"])


def condition_parts(condition: dict[str, Any]) -> tuple[str, str]:
    """A gate condition's measured value and what it needs, as text: ("69.85", "≥ 70")."""
    name = condition["name"]
    upper = name.startswith("max_") or name.rpartition(".")[2] in checks.UPPER_BOUND_CONDITIONS
    comparison = "≤" if upper else "≥"
    value = condition["value"]
    shown = "–" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
    threshold = condition["threshold"]
    shown_threshold = f"{threshold:g}" if isinstance(threshold, float) else str(threshold)
    return shown, f"{comparison} {shown_threshold}"
