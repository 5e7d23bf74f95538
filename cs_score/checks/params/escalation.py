"""`escalation`: a customer who asks for a supervisor or manager gets one.

What it measures: whether a customer message contains a phrase of the request packs
(`escalation_request`: "I want to speak to a manager", "passez-moi un responsable",
"позовите руководителя", …) and, if so, whether the interaction was escalated: its
`resolution.status` is one of `escalated_by.status`, or an agent (or bot or system) action
event names one of `escalated_by.actions`, or, with `escalated_by.agent_joins`, a human agent
takes over after the request from a conversation that only a bot had answered until then.

Credit: 1 when the request was granted, 0 when it was not (refusing to fetch a supervisor is
bad service).

Parameters (defaults):
  request_phrases (escalation_request)   pack name(s) of customer requests
  escalated_by (any of the three below)  what shows the request was granted:
    status ([escalated])                 `resolution.status` values that mean escalated
    actions ([escalate])                 action names that mean escalated
    agent_joins (false)                  a human agent answering after the request counts
                                         (for conversations a bot handles first: use it
                                         with the `human_request` pack)

n/a: `no escalation request` (no customer message asks for one).

Reports: requests, granted, refused, how each was granted, and escalations nobody asked for.

Passing example: customer "I want to speak to a manager", then an agent action
`{"type": "action", "action": "escalate"}` → 1.
Failing example: customer "Get me your supervisor", agent "There's no one else, sorry" and
status `unresolved` → 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cs_score.checks.params.base import RuleBase

Status = Literal["resolved", "unresolved", "escalated", "pending"]


def _escalated() -> list[Status]:
    return ["escalated"]


class EscalatedBy(BaseModel):
    """What shows that an interaction was escalated; any one of them is enough."""

    model_config = ConfigDict(extra="forbid")

    status: list[Status] = Field(default_factory=_escalated, description="resolution.status values")
    actions: list[str] = Field(
        default_factory=lambda: ["escalate"], description="action names (event `action`)"
    )
    agent_joins: bool = Field(
        False, description="a human agent taking over from a bot after the request counts"
    )


class Rule(RuleBase):
    kind: Literal["escalation"]
    request_phrases: str | list[str] = Field(
        "escalation_request", description="phrase pack name(s) of customer requests"
    )
    escalated_by: EscalatedBy = Field(
        default_factory=EscalatedBy, description="what shows the request was granted"
    )

    def packs_used(self) -> list[str]:
        packs = self.request_phrases
        return [packs] if isinstance(packs, str) else list(packs)
