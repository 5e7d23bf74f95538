"""`greeting`: the customer is greeted rather than ignored.

What it measures: whether the agent's first message contains a phrase of the greeting packs
(or, for store visits and mystery shoppers, the structured `greeted` observation).

Credit: 1 when the first agent message greets (within `within` of the start, if set);
`late_credit` when the greeting comes only in a later message or too late; 0 if never.

Parameters (defaults):
  phrases (greeting)   pack name or list of pack names
  within (none)        the greeting must come this soon after `started_at` to count as first
  late_credit (0.5)    credit for a late greeting

n/a: `no agent messages` (and no `greeted` observation).

Passing example: agent's first message "Bonjour, je m'appelle Léa" → 1.
Failing example: agent never greets: "Order number?" → 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cs_score.checks.params.base import RuleBase
from cs_score.durations import Duration


class Rule(RuleBase):
    kind: Literal["greeting"]
    phrases: str | list[str] = Field("greeting", description="phrase pack name(s)")
    within: Duration | None = Field(None, description="greeting must come this soon to count")
    late_credit: float = Field(0.5, ge=0, le=1, description="credit for a late greeting")

    def packs_used(self) -> list[str]:
        return [self.phrases] if isinstance(self.phrases, str) else list(self.phrases)
