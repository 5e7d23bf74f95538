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

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cs_score.checks.params.base import RuleBase


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
