"""`conduct`: agents never blame, hide behind policy, insult or make personal remarks.

What it measures: agent messages, against the forbidden phrase packs `blame`
("that's your fault"), `policy_excuse` ("it's company policy"), `insult` and
`personal_remark`.

Credit: 1 when no agent message contains a forbidden phrase; 0 on any match, with the quote.
Critical by default: a failure makes the whole interaction score 0.

Parameters (defaults):
  phrases ([blame, policy_excuse, insult, personal_remark])   pack name(s)
  critical (true)

n/a: `no agent messages`.

Passing example: "I'm sorry about the delay, let me fix that." → 1.
Failing example: "That's a stupid question." → 0, critical.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from cs_score.checks.base import Compiled, Facts, Outcome, RuleBase
from cs_score.checks.base import Stats as BaseStats

MAX_QUOTES = 5


class Rule(RuleBase):
    kind: Literal["conduct"]
    critical: bool = Field(True, description="a failure makes the interaction score 0")
    phrases: str | list[str] = Field(
        default_factory=lambda: ["blame", "policy_excuse", "insult", "personal_remark"],
        description="forbidden phrase pack name(s)",
    )

    def packs_used(self) -> list[str]:
        return [self.phrases] if isinstance(self.phrases, str) else list(self.phrases)


class Check:
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.packs = tuple(rule.packs_used())
        self.mask = compiled.index.mask(self.packs)

    def score(self, facts: Facts) -> Outcome:
        messages = facts.messages_from("agent")
        if not messages:
            return Outcome.na("no agent messages")
        quotes: list[dict[str, Any]] = []
        for index in messages if facts.mentions("agent") & self.mask else ():
            hit = facts.pack_hit(index, self.packs)
            if hit is not None:
                quotes.append({"phrase": hit.phrase, "pack": hit.pack, **facts.quote(index)})
                if len(quotes) == MAX_QUOTES:
                    break
        if not quotes:
            return Outcome.graded(
                1.0, f"no forbidden phrase in {len(messages)} agent messages", {}, []
            )
        first = quotes[0]
        text = first["text"]
        snippet = text if len(text) <= 80 else text[:79] + "…"
        reason = f"{first['pack'].replace('_', ' ')} “{first['phrase']}”: “{snippet}”"
        packs = sorted({q["pack"] for q in quotes})
        return Outcome.graded(0.0, reason, {"matches": quotes}, packs)


class Stats(BaseStats):
    def __init__(self, rule: RuleBase) -> None:
        super().__init__(rule)
        self.packs: dict[str, int] = {}

    def add(self, measure: Any) -> None:
        for pack in measure:
            self.packs[pack] = self.packs.get(pack, 0) + 1

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        for pack, n in other.packs.items():
            self.packs[pack] = self.packs.get(pack, 0) + n

    def summary(self) -> dict[str, Any]:
        return {"violations_by_pack": dict(sorted(self.packs.items()))}
