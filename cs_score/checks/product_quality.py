"""`product_quality`: the customer got a product that works.

What it measures: the record's `product` outcome. Returns and complaints are the external
cost of poor quality, so each flag that applies takes a penalty off the credit.

Credit: max(0, 1 − the sum of the penalties that apply).

Parameters (defaults):
  penalties ({defective: 0.5, returned: 0.3, complaint: 0.2})

n/a: `no product outcome` (no `product`, or none of its flags set).

Reports: how many interactions had a defective, returned or complained-about product, and
the total `cost`.

Passing example: {"product": {"defective": false}} → 1.
Failing example: {"product": {"defective": true, "returned": true, "complaint": true}} → 0.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cs_score.checks.base import Compiled, Facts, Outcome, RuleBase
from cs_score.checks.base import Stats as BaseStats

FLAGS = ("defective", "returned", "complaint")


class Penalties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defective: float = Field(0.5, ge=0, le=1, description="taken off when `product.defective`")
    returned: float = Field(0.3, ge=0, le=1, description="taken off when `product.returned`")
    complaint: float = Field(0.2, ge=0, le=1, description="taken off when `product.complaint`")


class Rule(RuleBase):
    kind: Literal["product_quality"]
    penalties: Penalties = Field(
        default_factory=Penalties, description="credit taken off for each flag that applies"
    )


class Check:
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
            self.cost_cents += round(cost * 100)

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        for flag in FLAGS:
            self.counts[flag] += other.counts[flag]
        self.cost_cents += other.cost_cents

    def summary(self) -> dict[str, Any]:
        return {**self.counts, "cost": self.cost_cents / 100}
