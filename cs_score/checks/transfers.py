"""How the `transfers` rule kind scores an interaction. What it measures, its parameters and
examples: `cs_score.checks.params.transfers`."""

from __future__ import annotations

from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.transfers import Rule
from cs_score.pickling import mypyc_attr


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.max_agents = rule.max_agents

    def score(self, facts: Facts) -> Outcome:
        agents: list[str] = []
        for event in facts.record.events:
            name = event.agent
            if name is not None and event.speaker == "agent" and name not in agents:
                agents.append(name)
        if not agents:
            return Outcome.na("no agent named on events")
        count = len(agents)
        over = count > self.max_agents
        credit = 0.0 if over else 1.0
        measure = (count, over)
        if not facts.explain:
            return Outcome.graded(credit, "", {}, measure)
        noun = "agent" if count == 1 else "agents"
        if over:
            reason = f"passed between {count} {noun}, over {self.max_agents}"
        else:
            reason = f"{count} {noun}, within {self.max_agents}"
        evidence: dict[str, Any] = {"agents": agents, "max_agents": self.max_agents}
        return Outcome.graded(credit, reason, evidence, measure)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.rated = 0
        self.agents = 0
        self.over = 0

    def add(self, measure: Any) -> None:
        count, over = measure
        self.rated += 1
        self.agents += count
        self.over += over

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        self.rated += other.rated
        self.agents += other.agents
        self.over += other.over

    def summary(self) -> dict[str, Any]:
        return {
            "rated": self.rated,
            "mean_agents": round(self.agents / self.rated, 2) if self.rated else None,
            "over_max_agents": self.over,
        }


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    if not m.get("rated"):
        return ""
    return f"mean {m['mean_agents']:g} agents · over the limit {m['over_max_agents']}"
