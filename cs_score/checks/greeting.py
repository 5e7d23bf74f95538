"""How the `greeting` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.greeting`."""

from __future__ import annotations

from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.greeting import Rule
from cs_score.durations import format_duration
from cs_score.pickling import mypyc_attr


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.within = rule.within  # the rule's settings a score reads, copied once
        self.late_credit = rule.late_credit
        self.packs = tuple(rule.packs_used())
        self.mask = compiled.index.mask(self.packs)

    def score(self, facts: Facts) -> Outcome:
        record = facts.record
        messages = facts.messages_from("agent")
        if record.greeted is not None and not messages:
            if record.greeted:
                return Outcome.graded(1.0, "greeted (observed)", {"greeted": True})
            return Outcome.graded(0.0, "not greeted (observed)", {"greeted": False})
        if record.greeted:
            return Outcome.graded(1.0, "greeted (observed)", {"greeted": True})
        if not messages:
            return Outcome.na("no agent messages")
        found = facts.find(self.packs, messages) if facts.mentions("agent") & self.mask else None
        if found is None:
            return Outcome.graded(
                0.0,
                f"no greeting in {len(messages)} agent messages",
                {"agent_messages": len(messages)},
            )
        index, hit = found
        if not facts.explain and index == messages[0] and self.within is None:
            return Outcome.graded(1.0, "", {})
        evidence: dict[str, Any] = {"phrase": hit.phrase, **facts.quote(index)}
        if index != messages[0]:
            position = messages.index(index) + 1
            return Outcome.graded(
                self.late_credit, f"greeted only in agent message {position}", evidence
            )
        if self.within is not None and record.started_at is not None:
            at = record.events[index].at
            if at is not None:
                delay = (at - record.started_at).total_seconds()
                evidence["after_seconds"] = delay
                if delay > self.within:
                    return Outcome.graded(
                        self.late_credit,
                        f"greeted after {format_duration(delay)}, "
                        f"over {format_duration(self.within)}",
                        evidence,
                    )
        return Outcome.graded(1.0, f"greeted: “{hit.phrase}”", evidence)


Stats = BaseStats
