"""How the `conduct` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.conduct`."""

from __future__ import annotations

from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.base import RuleBase
from cs_score.checks.params.conduct import Rule
from cs_score.pickling import mypyc_attr

MAX_QUOTES = 5


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.packs = tuple(rule.packs_used())
        self.mask = compiled.index.mask(self.packs)

    def score(self, facts: Facts) -> Outcome:
        messages = facts.messages_from("agent")
        if not messages:
            return Outcome.na("no agent messages")
        quotes: list[dict[str, Any]] = []
        offences: list[str] = []  # one entry per message: every offence in it, and the quote
        for index in messages if facts.mentions("agent") & self.mask else ():
            found = facts.hits(index)
            if not found:
                continue
            named: list[str] = []
            quote: dict[str, Any] | None = None
            for pack in self.packs:  # every offence of the message, in the rule's order
                hit = found.get(pack)
                if hit is None:
                    continue
                quote = quote or facts.quote(index)
                quotes.append({"phrase": hit.phrase, "pack": hit.pack, **quote})
                named.append(f"{hit.pack.replace('_', ' ')} “{hit.phrase}”")
            if quote is not None:
                text = quote["text"]
                snippet = text if len(text) <= 80 else text[:79] + "…"
                offences.append(f"{', '.join(named)}: “{snippet}”")
                if len(offences) == MAX_QUOTES:
                    break
        if not quotes:
            return Outcome.graded(
                1.0, f"no forbidden phrase in {len(messages)} agent messages", {}, []
            )
        packs = sorted({q["pack"] for q in quotes})
        return Outcome.graded(0.0, "; ".join(offences), {"matches": quotes}, packs)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
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


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    return " · ".join(
        f"{pack.replace('_', ' ')} {n}" for pack, n in m.get("violations_by_pack", {}).items()
    )
