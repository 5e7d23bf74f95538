"""One interaction's result laid open: every rule, its evidence, and the score's arithmetic.

`explain` turns the result `evaluate` gives an interaction into plain data: the interaction
result itself (exactly as in the `json` report) and `computation`, which shows how the score
came out of the rules — Σ weight × credit over the rules that could score it, divided by
Σ weight, times 100; which rules were n/a and why; whether a failed critical rule set the score
to 0; the grade band and the pass score. Rendering it is the job of `formats.explanation`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cs_score import __version__
from cs_score.engine import InteractionResult
from cs_score.report import SCHEMA_VERSION
from cs_score.ruleset import RuleSet


def explain(result: InteractionResult, ruleset: RuleSet, as_of: datetime | None) -> dict[str, Any]:
    """The explanation of one finished interaction result, as JSON-ready data."""
    counted: list[dict[str, Any]] = []
    not_applicable: list[dict[str, Any]] = []
    weighted = 0.0
    weights = 0.0
    for rule_id, rule in result.rules.items():
        if rule.credit is None:
            not_applicable.append({"rule": rule_id, "weight": rule.weight, "reason": rule.reason})
            continue
        weighted += rule.weight * rule.credit
        weights += rule.weight
        counted.append(
            {
                "rule": rule_id,
                "status": rule.status,
                "credit": round(rule.credit, 4),
                "weight": rule.weight,
                "weighted_credit": round(rule.weight * rule.credit, 4),
                "critical": rule.critical,
            }
        )
    model = ruleset.model
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "cs-score", "version": __version__},
        "rules": {
            "name": ruleset.name,
            "sources": ruleset.sources,
            "pass_score": model.pass_score,
            "grades": model.grades,
        },
        "as_of": as_of.isoformat() if as_of else None,
        "interaction": result.to_dict(),
        "computation": {
            "counted": counted,
            "not_applicable": not_applicable,
            "sum_weighted_credit": round(weighted, 4),
            "sum_weight": weights,
            "weighted_mean": round(100 * weighted / weights, 2) if weights else None,
            "critical_failure": result.critical_failure,
            "score": result.score,
            "grade": result.grade,
            "pass_score": model.pass_score,
            "passed": result.passed,
        },
    }
