"""How the `closing` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.closing`."""

from __future__ import annotations

import heapq
from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.base import RuleBase
from cs_score.checks.params.closing import Rule
from cs_score.pickling import mypyc_attr


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.packs = tuple(rule.packs_used())
        self.last = rule.last_messages
        speakers = [rule.speaker] if isinstance(rule.speaker, str) else list(rule.speaker)
        self.speakers = tuple(dict.fromkeys(speakers))
        self.who = " or ".join(self.speakers)

    def score(self, facts: Facts) -> Outcome:
        if len(self.speakers) == 1:
            messages = facts.messages_from(self.speakers[0])
        else:
            messages = list(heapq.merge(*(facts.messages_from(s) for s in self.speakers)))
        if not messages:
            return Outcome.na(f"no {self.who} messages")
        tail = messages[-self.last :]
        # The last closing counts: search the tail from its end.
        found = facts.find(self.packs, tail[::-1])
        if found is not None:
            index, hit = found
            return Outcome.graded(
                1.0,
                f"closed: “{hit.phrase}”",
                {"phrase": hit.phrase, **facts.quote(index)},
                "closed",
            )
        who = self.who
        window = f"last {who} message" if self.last == 1 else f"last {self.last} {who} messages"
        earlier = facts.find(self.packs, messages[: -self.last])
        if earlier is not None:
            index, hit = earlier
            position = messages.index(index) + 1
            return Outcome.graded(
                0.0,
                f"closing “{hit.phrase}” only in {who} message {position} of {len(messages)},"
                f" not in the {window}",
                {"phrase": hit.phrase, **facts.quote(index), "messages": len(messages)},
                "early",
            )
        return Outcome.graded(
            0.0, f"no closing in the {window}", {"messages": len(messages)}, "missing"
        )


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: RuleBase) -> None:
        super().__init__(rule)
        self.counts = {"closed": 0, "early": 0, "missing": 0}

    def add(self, measure: Any) -> None:
        self.counts[measure] += 1

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        for key, n in other.counts.items():
            self.counts[key] += n

    def summary(self) -> dict[str, Any]:
        return {
            "closed": self.counts["closed"],
            "closed_too_early": self.counts["early"],
            "not_closed": self.counts["missing"],
        }


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    return (
        f"closed {m['closed']} · too early {m['closed_too_early']} · not closed {m['not_closed']}"
    )
