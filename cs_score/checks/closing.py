"""`closing`: the agent closes politely — thanks the customer or offers further help.

What it measures: whether one of the agent's last `last_messages` messages contains a phrase
of the closing packs ("thank you for contacting", "is there anything else", "have a nice
day", "merci de votre appel", "terima kasih kerana menghubungi", "всего доброго", …).

Credit: 1 when it does; 0 when it does not. A closing phrase said only earlier in the
conversation does not count, and the reason says where it was.

Parameters (defaults):
  phrases (closing)     pack name or list of pack names
  last_messages (2)     how many of the agent's last messages may hold the closing
  speaker (agent)       whose messages close: agent, bot, or a list ([bot, agent] for a
                        support bot that hands over to people)

n/a: `no agent messages`.

Reports: interactions closed, closed too early (the phrase only before the last messages),
and not closed.

Passing example: agent's last message "Thank you for calling, have a nice day." → 1.
Failing example: agent's last messages "Your refund is on its way." and "Bye." → 0.
"""

from __future__ import annotations

import heapq
from typing import Annotated, Any, Literal

from pydantic import Field

from cs_score.checks.base import Compiled, Facts, Outcome, RuleBase, one_or_more
from cs_score.checks.base import Stats as BaseStats

Closer = Literal["agent", "bot"]


class Rule(RuleBase):
    kind: Literal["closing"]
    phrases: str | list[str] = Field("closing", description="phrase pack name(s)")
    last_messages: int = Field(
        2, ge=1, description="the closing must be in the agent's last N messages"
    )
    speaker: Annotated[Closer | list[Closer], one_or_more("agent", "bot")] = Field(
        "agent", description="whose messages close: agent, bot, or a list"
    )

    def packs_used(self) -> list[str]:
        return [self.phrases] if isinstance(self.phrases, str) else list(self.phrases)


class Check:
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
