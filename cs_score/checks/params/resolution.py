"""`resolution`: the problem is resolved by a clear process.

What it measures: which of the required steps — find the cause (`identify`), `apologize`,
`explain`, `fix`, `offer` something, `prevent` a repeat — the interaction shows. A step counts
when it is listed in `resolution.steps`, when an agent action event names it
(`{"type": "action", "action": "apologize"}`), or when an agent message contains a phrase of
the step's pack.

Credit: the share of required steps present (with `in_order`, the longest run of them found
in the required order), times `unresolved_factor` when `resolution.status` is `unresolved` or
`escalated`.

Parameters (defaults):
  required_steps (all six)   which steps are required, in their required order
  in_order (false)           steps must appear in the required order
  unresolved_factor (0.5)    credit multiplier when the status is not `resolved`
  step_phrases ({identify: identify, apologize: apologize, …})  pack name per step

n/a: `resolution pending` (status `pending`), or `no resolution data` (no `resolution` and
no step found in the conversation).

Passing example: status resolved, steps [identify, apologize, explain, fix, offer, prevent] → 1.
Failing example: status unresolved, only "sorry" said → 1/6 × 0.5 ≈ 0.083.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from cs_score.checks.params.base import RuleBase
from cs_score.interaction import STEPS
from cs_score.interaction import Step as StepName


def _default_step_phrases() -> dict[StepName, str]:
    return {step: step for step in STEPS}  # type: ignore[misc]


def _all_steps() -> list[StepName]:
    return list(STEPS)  # type: ignore[arg-type]


class Rule(RuleBase):
    kind: Literal["resolution"]
    required_steps: list[StepName] = Field(
        default_factory=_all_steps, description="required steps, in required order"
    )
    in_order: bool = Field(False, description="steps must appear in the required order")
    unresolved_factor: float = Field(
        0.5, ge=0, le=1, description="credit multiplier when not resolved"
    )
    step_phrases: dict[StepName, str] = Field(
        default_factory=_default_step_phrases, description="phrase pack name for each step"
    )

    @field_validator("required_steps")
    @classmethod
    def _some_steps(cls, steps: list[str]) -> list[str]:
        if not steps:
            raise ValueError("list at least one step")
        if len(set(steps)) != len(steps):
            raise ValueError("a step is listed twice")
        return steps

    def packs_used(self) -> list[str]:
        return [self.step_phrases.get(step, step) for step in self.required_steps]
