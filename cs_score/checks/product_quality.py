"""How the `product_quality` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.product_quality`."""

from __future__ import annotations

from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.base import RuleBase
from cs_score.checks.params.product_quality import Rule
from cs_score.grading import round_half_even
from cs_score.pickling import mypyc_attr

FLAGS = ("defective", "returned", "complaint")


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.penalties = rule.penalties.model_dump()

    def score(self, facts: Facts) -> Outcome:
        product = facts.record.product
        if product is None or all(getattr(product, flag) is None for flag in FLAGS):
            return Outcome.na("no product outcome")
        applied = [flag for flag in FLAGS if getattr(product, flag)]
        measure = (applied, product.cost)
        if not facts.explain:
            credit = 1.0 - sum(self.penalties[flag] for flag in applied)
            return Outcome.graded(credit, "", {}, measure)
        evidence: dict[str, Any] = {flag: bool(getattr(product, flag)) for flag in FLAGS}
        if product.cost is not None:
            evidence["cost"] = product.cost
        if not applied:
            return Outcome.graded(1.0, "no product problem", evidence, measure)
        credit = 1.0 - sum(self.penalties[flag] for flag in applied)
        return Outcome.graded(credit, "product " + ", ".join(applied), evidence, measure)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: RuleBase) -> None:
        super().__init__(rule)
        self.counts = dict.fromkeys(FLAGS, 0)
        self.cost_cents = 0

    def add(self, measure: Any) -> None:
        applied, cost = measure
        for flag in applied:
            self.counts[flag] += 1
        if cost:
            self.cost_cents += round_half_even(cost * 100)

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        for flag in FLAGS:
            self.counts[flag] += other.counts[flag]
        self.cost_cents += other.cost_cents

    def summary(self) -> dict[str, Any]:
        return {**self.counts, "cost": self.cost_cents / 100}


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    return (
        f"defective {m['defective']} · returned {m['returned']} · complaints {m['complaint']}"
        f" · cost {m['cost']:,.2f}"
    )
