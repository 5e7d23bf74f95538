"""`transfers`: the customer is not passed from agent to agent.

What it measures: how many different agents spoke or acted in the interaction, by the
`agent` of its agent events (`{"from": "agent", "agent": "Dan", ...}`). Each agent past the
first is a transfer, and each transfer is one more time the customer had to explain
themselves again.

Credit: 1 with at most `max_agents` agents; 0 with more. The evidence lists the agents in
the order they first appeared.

Parameters (defaults):
  max_agents (2)   the most agents one interaction may pass between (2: one transfer)

n/a: `no agent named on events` (no agent event has an `agent`).

Reports: interactions rated, the mean number of agents, and those over `max_agents`.

Passing example: events from agents "Ana" then "Ben" → 2 agents, credit 1.
Failing example: "Ana", "Ben", "Ana", "Chloé" → 3 agents, over 2, credit 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cs_score.checks.params.base import RuleBase


class Rule(RuleBase):
    kind: Literal["transfers"]
    max_agents: int = Field(2, ge=1, description="the most agents one interaction may pass between")
