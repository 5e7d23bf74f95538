"""How the `phrase` rule kind scores an interaction. What it measures, its parameters
and examples: `cs_score.checks.params.phrase`."""

from __future__ import annotations

import heapq
from typing import Any

from cs_score.checks.base import Check as BaseCheck
from cs_score.checks.base import Compiled, Facts, Outcome
from cs_score.checks.base import Stats as BaseStats
from cs_score.checks.params.base import RuleBase
from cs_score.checks.params.phrase import Rule
from cs_score.pickling import mypyc_attr

MAX_QUOTES = 5
TOP_PHRASES = 10


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Check(BaseCheck):
    def __init__(self, rule: Rule, compiled: Compiled) -> None:
        self.rule = rule
        self.named = isinstance(rule.phrases, str)
        pack = rule.phrases if isinstance(rule.phrases, str) else compiled.inline_pack(rule)
        self.packs = (pack,)
        self.speakers = rule.speakers()
        self.forbidden = rule.mode == "forbidden"
        part, _, count = rule.window.partition(":")
        self.window = part
        self.count = int(count) if count else 0
        everyone = len(set(self.speakers)) == 4
        self.who = "" if everyone else " or ".join(dict.fromkeys(self.speakers)) + " "

    def messages(self, facts: Facts) -> list[int]:
        """The speakers' messages in the rule's window, in conversation order."""
        if len(self.speakers) == 1:
            messages = facts.messages_from(self.speakers[0])
        else:
            messages = list(heapq.merge(*(facts.messages_from(s) for s in self.speakers)))
        if self.window == "first":
            return messages[: self.count]
        if self.window == "last":
            return messages[-self.count :]
        return messages

    def where(self) -> str:
        """The window in words: `agent messages`, `first customer message`, `last 2 messages`."""
        if self.window == "all":
            return f"{self.who}messages"
        if self.count == 1:
            return f"{self.window} {self.who}message"
        return f"{self.window} {self.count} {self.who}messages"

    def score(self, facts: Facts) -> Outcome:
        messages = self.messages(facts)
        if not messages:
            return Outcome.na(f"no {self.who}messages")
        pack = self.packs[0]
        evidence: dict[str, Any] = {"window": self.rule.window, "messages": len(messages)}
        if self.named:
            evidence["pack"] = pack
        if not self.forbidden:
            found = facts.find(self.packs, messages)
            if found is None:
                return Outcome.graded(
                    0.0, f"required phrase not found in the {self.where()}", evidence, None
                )
            index, said = found
            evidence.update({"phrase": said.phrase, **facts.quote(index)})
            return Outcome.graded(1.0, f"said “{said.phrase}”", evidence, (said.phrase,))
        quotes: list[dict[str, Any]] = []
        for index in messages:
            hit = facts.pack_hit(index, self.packs)
            if hit is not None:
                quotes.append({"phrase": hit.phrase, **facts.quote(index)})
                if len(quotes) == MAX_QUOTES:
                    break
        if not quotes:
            return Outcome.graded(1.0, f"no forbidden phrase in the {self.where()}", evidence)
        first = quotes[0]
        text = first["text"]
        snippet = text if len(text) <= 80 else text[:79] + "…"
        evidence["matches"] = quotes
        return Outcome.graded(
            0.0,
            f"forbidden “{first['phrase']}”: “{snippet}”",
            evidence,
            tuple(dict.fromkeys(q["phrase"] for q in quotes)),
        )


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Stats(BaseStats):
    def __init__(self, rule: RuleBase) -> None:
        super().__init__(rule)
        self.found = 0
        self.phrases: dict[str, int] = {}

    def add(self, measure: Any) -> None:
        self.found += 1
        for phrase in measure:
            self.phrases[phrase] = self.phrases.get(phrase, 0) + 1

    def merge(self, other: BaseStats) -> None:
        assert isinstance(other, Stats)
        self.found += other.found
        for phrase, n in other.phrases.items():
            self.phrases[phrase] = self.phrases.get(phrase, 0) + n

    def summary(self) -> dict[str, Any]:
        top = sorted(self.phrases.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PHRASES]
        return {"found_in": self.found, "top_phrases": dict(top)}


def figures(m: dict[str, Any]) -> str:
    """The rule's figures in one line of a report (`Stats.summary` names them), or ""."""
    if not m.get("found_in"):
        return ""
    top = ", ".join(f"“{phrase}” {n}" for phrase, n in list(m["top_phrases"].items())[:3])
    return f"found in {m['found_in']}: {top}"
