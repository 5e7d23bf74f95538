"""`phrase`: a team's own must-say or must-never-say phrases.

What it measures: whether the messages of a speaker, in a window of the conversation, contain
a phrase of a pack: a pack by name (bundled, or defined under the rule set's `phrases`), or
phrases written in the rule itself. Inline phrases go into the rule set's one phrase index
like any pack, so they cost no extra pass over the messages.

Credit: `required` — 1 when a phrase is found in the window, 0 when not. `forbidden` — 0 when
one is found (with the quote), 1 when none is.

Parameters (defaults):
  phrases (required key)   a pack name (`recording_notice`), a list of phrases
                           (`[this call may be recorded]`), or phrases by language
                           (`{en: [...], fr: [...]}`); a list holds phrases, not pack names
  mode (required)          `required` or `forbidden`
  speaker (agent)          agent, customer, bot, system or any; or a list of them
  window (all)             which of the speaker's messages: `all`, `first:N` or `last:N`

n/a: `no agent messages` (no message from the speaker).

Reports: interactions where a phrase was found, and how often each phrase was.

Passing example (mode required, window first:1, phrases [this call may be recorded]): the
agent's first message "Hello, this call may be recorded for training." → 1.
Failing example (mode forbidden, phrases [calm down]): agent "Please calm down, sir." → 0.
"""

from __future__ import annotations

import heapq
import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from cs_score.checks.base import Compiled, Facts, Outcome, RuleBase, one_or_more
from cs_score.checks.base import Stats as BaseStats

MAX_QUOTES = 5
TOP_PHRASES = 10
Speaker = Literal["agent", "customer", "bot", "system", "any"]
_WINDOW = re.compile(r"^(all|first:[1-9]\d*|last:[1-9]\d*)$")


class Rule(RuleBase):
    kind: Literal["phrase"]
    phrases: str | list[str] | dict[str, list[str]] = Field(
        description="a pack name, a list of phrases, or phrases by language"
    )
    mode: Literal["required", "forbidden"] = Field(
        "required", description="the phrase must be said (required) or never (forbidden)"
    )
    speaker: Annotated[
        Speaker | list[Speaker], one_or_more("agent", "customer", "bot", "system", "any")
    ] = Field("agent", description="whose messages are read: a speaker, or a list")
    window: str = Field("all", description="all, first:N or last:N of the speaker's messages")

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        value = value.strip().replace(" ", "")
        if not _WINDOW.match(value):
            raise ValueError(f"expected all, first:N or last:N (N ≥ 1), got {value!r}")
        return value

    @field_validator("phrases")
    @classmethod
    def _some_phrases(
        cls, value: str | list[str] | dict[str, list[str]]
    ) -> str | list[str] | dict[str, list[str]]:
        if isinstance(value, str) and not value.strip():
            raise ValueError("name a phrase pack, or give a list of phrases")
        if isinstance(value, list) and not value:
            raise ValueError("the list of phrases is empty")
        if isinstance(value, dict) and not any(value.values()):
            raise ValueError("no phrases in any language")
        return value

    def packs_used(self) -> list[str]:
        return [self.phrases] if isinstance(self.phrases, str) else []

    def inline_phrases(self) -> dict[str, list[str]] | None:
        if isinstance(self.phrases, str):
            return None
        if isinstance(self.phrases, list):
            return {"any": list(self.phrases)}
        return {lang: list(items) for lang, items in self.phrases.items()}

    def speakers(self) -> list[str]:
        chosen: list[str] = [self.speaker] if isinstance(self.speaker, str) else [*self.speaker]
        return ["agent", "customer", "bot", "system"] if "any" in chosen else chosen


class Check:
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
