"""`conduct`: agents never blame, hide behind policy, insult or make personal remarks.

What it measures: agent messages, against the forbidden phrase packs `blame`
("that's your fault"), `policy_excuse` ("it's company policy"), `insult` and
`personal_remark`.

Credit: 1 when no agent message contains a forbidden phrase; 0 on any match. The reason names
every offence of each message (a blame and a personal remark in one message: both), with
the quote.
Critical by default: a failure makes the whole interaction score 0.

Parameters (defaults):
  phrases ([blame, policy_excuse, insult, personal_remark])   pack name(s)
  critical (true)

n/a: `no agent messages`.

Passing example: "I'm sorry about the delay, let me fix that." → 1.
Failing example: "That's a stupid question." → 0, critical.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cs_score.checks.params.base import RuleBase


class Rule(RuleBase):
    kind: Literal["conduct"]
    critical: bool = Field(True, description="a failure makes the interaction score 0")
    phrases: str | list[str] = Field(
        default_factory=lambda: ["blame", "policy_excuse", "insult", "personal_remark"],
        description="forbidden phrase pack name(s)",
    )

    def packs_used(self) -> list[str]:
        return [self.phrases] if isinstance(self.phrases, str) else list(self.phrases)
