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

from typing import Any, Literal

from pydantic import Field

from cs_score.checks.base import Compiled, Facts, Outcome, RuleBase
from cs_score.checks.base import Stats as BaseStats
from cs_score.durations import Duration, format_duration


class Rule(RuleBase):
    kind: Literal["greeting"]
    phrases: str | list[str] = Field("greeting", description="phrase pack name(s)")
    within: Duration | None = Field(None, description="greeting must come this soon to count")
    late_credit: float = Field(0.5, ge=0, le=1, description="credit for a late greeting")

    def packs_used(self) -> list[str]:
        return [self.phrases] if isinstance(self.phrases, str) else list(self.phrases)


class Check:
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
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
        if not facts.explain and index == messages[0] and self.rule.within is None:
            return Outcome.graded(1.0, "", {})
        evidence: dict[str, Any] = {"phrase": hit.phrase, **facts.quote(index)}
        if index != messages[0]:
            position = messages.index(index) + 1
            return Outcome.graded(
                self.rule.late_credit, f"greeted only in agent message {position}", evidence
            )
        if self.rule.within is not None and record.started_at is not None:
            at = record.events[index].at
            if at is not None:
                delay = (at - record.started_at).total_seconds()
                evidence["after_seconds"] = delay
                if delay > self.rule.within:
                    return Outcome.graded(
                        self.rule.late_credit,
                        f"greeted after {format_duration(delay)}, "
                        f"over {format_duration(self.rule.within)}",
                        evidence,
                    )
        return Outcome.graded(1.0, f"greeted: “{hit.phrase}”", evidence)


Stats = BaseStats
