"""The rule kinds: one module each, and the registry that is the single source of truth.

Each module provides `Rule` (the pydantic model of its parameters, with `kind` as the tag),
`Check` (built once per rule set; `score(facts) -> Outcome`) and `Stats` (mergeable per-rule
figures for the report). The rules file's model is built from this registry. `Rule` is defined
in `cs_score.checks.params`, whose module docstring for the kind is its user documentation.
"""

from __future__ import annotations

import difflib
import sys
from types import ModuleType
from typing import Any

from cs_score.checks import (
    closing,
    conduct,
    escalation,
    greeting,
    phrase,
    product_quality,
    promises,
    repeat_contact,
    resolution,
    response_time,
    transfers,
    wait_time,
)

KINDS: dict[str, ModuleType] = {
    "wait_time": wait_time,
    "greeting": greeting,
    "product_quality": product_quality,
    "resolution": resolution,
    "promises": promises,
    "conduct": conduct,
    "response_time": response_time,
    "escalation": escalation,
    "closing": closing,
    "phrase": phrase,
    "repeat_contact": repeat_contact,
    "transfers": transfers,
}


UPPER_BOUND_CONDITIONS: frozenset[str] = frozenset(
    name for module in KINDS.values() for name in getattr(module, "UPPER_BOUNDS", ())
)
"""Names of the gate conditions kinds add (`Stats.gate_conditions`) that a value must not
exceed (`≤`); the others it must reach (`≥`)."""


def figures(kind: str, metrics: dict[str, Any]) -> str:
    """A kind's own figures in one line of a report (mean wait, promises kept …), or "" for a
    kind with none: its module's `figures`."""
    describe = getattr(KINDS.get(kind), "figures", None)
    return describe(metrics) if describe is not None else ""


def get(kind: str) -> ModuleType:
    """The module of a rule kind; an unknown kind raises KeyError with a did-you-mean."""
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(unknown_kind_message(kind)) from None


def unknown_kind_message(kind: object) -> str:
    known = ", ".join(KINDS)
    close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"unknown rule kind {kind!r} (known: {known}){hint}"


def documentation(kind: str) -> str:
    """The user documentation of a rule kind: what it measures, its parameters, examples.

    It is the docstring of the module defining the kind's `Rule`, which stays plain Python
    (a compiled module keeps no docstring).
    """
    return sys.modules[get(kind).Rule.__module__].__doc__ or ""
